"""A dialog flow is data: named nodes, each of one kind, joined by ``next`` names.

Kinds: ``speak`` (TTS text with ``${variables}`` or an audio fileId), ``listen`` (speech and DTMF, with
intents, a no-input and a no-match branch, repeats and barge-in), ``set`` (captured variables), ``sms``,
``transfer`` (to a call-center group), ``hangup``. Any node may carry ``level`` (A-F), the intent level the
call gets when it passes there. ``parse_flow`` checks a whole definition and answers a ``Flow`` or raises
``FlowError`` naming the first problem; nothing here does I/O.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

KINDS = ("speak", "listen", "set", "sms", "transfer", "hangup")
LEVELS = ("A", "B", "C", "D", "E", "F")
MAX_NODES = 200
MAX_TEXT = 1000
NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
VARIABLE = re.compile(r"\$\{([A-Za-z0-9_.-]{1,64})\}")
DTMF = re.compile(r"^[0-9*#]$")


class FlowError(ValueError):
    """A flow definition that cannot be used; the message names the node and the problem."""


@dataclass(frozen=True)
class Intent:
    name: str
    phrases: tuple[str, ...]
    keys: tuple[str, ...]
    next: str
    level: str | None = None


@dataclass(frozen=True)
class Node:
    name: str
    kind: str
    next: str | None = None
    text: str | None = None
    audio: str | None = None
    level: str | None = None
    intents: tuple[Intent, ...] = ()
    no_input: str | None = None
    no_match: str | None = None
    timeout_ms: int = 5000
    max_speech_ms: int = 10000
    repeats: int = 1
    barge_in: bool = True
    variables: Mapping[str, str] = field(default_factory=dict)
    group: str | None = None


@dataclass(frozen=True)
class Flow:
    name: str
    start: str
    nodes: Mapping[str, Node]

    def variables(self) -> set[str]:
        """The ``${names}`` the flow reads that it does not set itself: the customer must bring them."""
        used: set[str] = set()
        own: set[str] = set()
        for node in self.nodes.values():
            for value in (node.text or "", *node.variables.values()):
                used.update(VARIABLE.findall(value))
            own.update(node.variables)
        return used - own

    def phrases(self) -> list[str]:
        """Every intent phrase of the flow (the recogniser's vocabulary)."""
        return [phrase for node in self.nodes.values() for intent in node.intents for phrase in intent.phrases]


def _text(raw: Mapping[str, Any], key: str, where: str, *, limit: int = MAX_TEXT) -> str | None:
    value = raw.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise FlowError(f"{where}: {key} must be a non-empty text of at most {limit} characters")
    return value


def _int(raw: Mapping[str, Any], key: str, where: str, default: int, low: int, high: int) -> int:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise FlowError(f"{where}: {key} must be a whole number {low}-{high}")
    return value


def _level(raw: Mapping[str, Any], where: str) -> str | None:
    level = raw.get("level")
    if level is not None and level not in LEVELS:
        raise FlowError(f"{where}: level must be one of {', '.join(LEVELS)}")
    return level


def _intent(name: str, raw: Any, where: str) -> Intent:
    if not isinstance(raw, Mapping) or not NAME.match(name):
        raise FlowError(f"{where}: intent {name!r} must be a mapping with a simple name")
    phrases = raw.get("phrases", [])
    keys = raw.get("keys", [])
    if not isinstance(phrases, list) or not all(isinstance(p, str) and p.strip() for p in phrases):
        raise FlowError(f"{where}: intent {name}: phrases must be a list of texts")
    if not isinstance(keys, list) or not all(isinstance(k, str) and DTMF.match(k) for k in keys):
        raise FlowError(f"{where}: intent {name}: keys must be a list of single DTMF keys (0-9 * #)")
    if not phrases and not keys:
        raise FlowError(f"{where}: intent {name} needs phrases or keys")
    target = _text(raw, "next", f"{where}: intent {name}", limit=64)
    if target is None:
        raise FlowError(f"{where}: intent {name} needs next")
    words = tuple(" ".join(normalise(p)) for p in phrases)
    if any(not w for w in words):
        raise FlowError(f"{where}: intent {name}: a phrase has no words")
    return Intent(name, words, tuple(keys), target, _level(raw, f"{where}: intent {name}"))


def _node(name: str, raw: Any) -> Node:
    where = f"node {name}"
    if not NAME.match(name) or not isinstance(raw, Mapping):
        raise FlowError(f"{where}: a node is a mapping under a simple name (letters, digits, _ . -)")
    kind = raw.get("type")
    if kind not in KINDS:
        raise FlowError(f"{where}: type must be one of {', '.join(KINDS)}")
    common: dict[str, Any] = {"name": name, "kind": kind, "level": _level(raw, where)}
    common["next"] = _text(raw, "next", where, limit=64)
    if kind == "speak":
        text, audio = _text(raw, "text", where), _text(raw, "audio", where, limit=64)
        if (text is None) == (audio is None):
            raise FlowError(f"{where}: speak needs exactly one of text or audio")
        return Node(**common, text=text, audio=audio)
    if kind == "listen":
        return _listen(raw, where, common)
    if kind == "set":
        variables = raw.get("variables")
        if not isinstance(variables, Mapping) or not variables:
            raise FlowError(f"{where}: set needs variables (a mapping of names to texts)")
        if not all(isinstance(k, str) and NAME.match(k) and isinstance(v, str) for k, v in variables.items()):
            raise FlowError(f"{where}: variables map simple names to texts")
        return Node(**common, variables=dict(variables))
    if kind == "sms":
        text = _text(raw, "text", where)
        if text is None:
            raise FlowError(f"{where}: sms needs text")
        return Node(**common, text=text)
    if kind == "transfer":
        return Node(**common, group=_text(raw, "group", where, limit=64))
    return Node(**common)


def _listen(raw: Mapping[str, Any], where: str, common: dict[str, Any]) -> Node:
    intents_raw = raw.get("intents")
    if not isinstance(intents_raw, Mapping) or not intents_raw:
        raise FlowError(f"{where}: listen needs intents")
    intents = tuple(_intent(str(k), v, where) for k, v in intents_raw.items())
    barge_in = raw.get("barge_in", True)
    if not isinstance(barge_in, bool):
        raise FlowError(f"{where}: barge_in must be true or false")
    return Node(
        **common,
        intents=intents,
        no_input=_text(raw, "no_input", where, limit=64),
        no_match=_text(raw, "no_match", where, limit=64),
        timeout_ms=_int(raw, "timeout_ms", where, 5000, 500, 60000),
        max_speech_ms=_int(raw, "max_speech_ms", where, 10000, 500, 60000),
        repeats=_int(raw, "repeats", where, 1, 0, 5),
        barge_in=barge_in,
    )


def _targets(node: Node) -> list[str]:
    out = [t for t in (node.next, node.no_input, node.no_match) if t]
    return out + [intent.next for intent in node.intents]


def parse_flow(raw: Any) -> Flow:
    """Check a definition ({name, start, nodes: {name: {...}}}) and answer the Flow."""
    if not isinstance(raw, Mapping):
        raise FlowError("a flow is a mapping with name, start and nodes")
    name = _text(raw, "name", "flow", limit=64)
    start = raw.get("start")
    nodes_raw = raw.get("nodes")
    if name is None:
        raise FlowError("flow: name is required")
    if not isinstance(nodes_raw, Mapping) or not 1 <= len(nodes_raw) <= MAX_NODES:
        raise FlowError(f"flow: nodes must be a mapping of 1-{MAX_NODES} nodes")
    nodes = {str(k): _node(str(k), v) for k, v in nodes_raw.items()}
    if start not in nodes:
        raise FlowError("flow: start must name a node")
    for node in nodes.values():
        for target in _targets(node):
            if target not in nodes:
                raise FlowError(f"node {node.name}: {target!r} is not a node")
        if node.kind in ("speak", "set", "sms") and node.next is None:
            raise FlowError(f"node {node.name}: {node.kind} needs next")
    return Flow(name=name, start=str(start), nodes=nodes)


def render(text: str, variables: Mapping[str, str]) -> str:
    """``${name}`` replaced by the variable's value (an unknown name becomes empty)."""
    return VARIABLE.sub(lambda m: variables.get(m.group(1), ""), text)


def normalise(text: str) -> list[str]:
    """Lower-case words, letters, digits and apostrophes only."""
    return re.findall(r"[a-z0-9']+", text.lower())


class _FlowLoader(yaml.SafeLoader):  # type: ignore[misc]
    """YAML 1.2 booleans only: ``yes``, ``no``, ``on`` and ``off`` stay texts (they are intent names here)."""


_FlowLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_FlowLoader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|false)$"), list("tf"))


def load_text(text: str) -> Flow:
    """A flow from its YAML (or JSON, a subset of YAML) text."""
    try:
        raw = yaml.load(text, Loader=_FlowLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise FlowError(f"not YAML or JSON: {exc}".splitlines()[0]) from exc
    return parse_flow(raw)


def definition_of(text: str) -> dict[str, Any]:
    """The checked definition as plain data (what is stored)."""
    load_text(text)
    raw: dict[str, Any] = yaml.load(text, Loader=_FlowLoader)  # noqa: S506
    return raw
