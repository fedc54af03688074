"""Running a flow: a pure state machine the robot call loop drives with what the callee said or pressed.

``Dialog.begin()`` and ``Dialog.hear(...)`` each answer a ``Step``: what the robot does now (speak, send an
SMS, transfer) and then either listen (with the node's timeouts) or hang up. The dialog keeps the turns
(robot and person texts), the chat rounds, the captured variables and the intent level reached.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from switchboard.domain.aivoice.flow import Flow, Intent, Node, normalise, render

MAX_HOPS = 100  # nodes passed without listening; a loop of speak/set nodes ends the call


@dataclass(frozen=True)
class Action:
    kind: str  # speak | sms | transfer
    text: str | None = None
    audio: str | None = None
    group: str | None = None


@dataclass(frozen=True)
class Step:
    actions: tuple[Action, ...]
    listen: Node | None  # None: the call ends after the actions
    outcome: str | None = None  # why it ended: hangup | transfer_unavailable | loop


@dataclass
class Turn:
    who: str  # ROBOT | PERSON
    text: str
    start_ms: int | None = None
    end_ms: int | None = None


def match_intent(node: Node, text: str | None, digits: str | None) -> Intent | None:
    """The intent a reply names: a DTMF key first; else the intent with the longest phrase found in the words."""
    if digits:
        for intent in node.intents:
            if digits[0] in intent.keys:
                return intent
    words = normalise(text or "")
    if not words:
        return None
    padded = " " + " ".join(words) + " "
    best: tuple[int, Intent] | None = None
    for intent in node.intents:
        for phrase in intent.phrases:
            if f" {phrase} " in padded:
                score = len(phrase.split())
                if best is None or score > best[0]:
                    best = (score, intent)
    return best[1] if best else None


@dataclass
class Dialog:
    flow: Flow
    variables: dict[str, str]
    captured: dict[str, str] = field(default_factory=dict)
    turns: list[Turn] = field(default_factory=list)
    level: str | None = None
    intent: str | None = None
    rounds: int = 0
    current: str | None = None
    tries: dict[str, int] = field(default_factory=dict)
    sms: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, flow: Flow, properties: Mapping[str, str]) -> Dialog:
        return cls(flow=flow, variables=dict(properties))

    def begin(self) -> Step:
        return self._run(self.flow.start)

    def hear(
        self, text: str | None, digits: str | None = None, start_ms: int | None = None, end_ms: int | None = None
    ) -> Step:
        """The callee's reply to the listening node: text (None or empty: silence) and/or DTMF keys."""
        node = self._listening()
        heard = (text or "").strip() or (f"[{digits}]" if digits else "")
        if heard:
            self.turns.append(Turn("PERSON", heard, start_ms, end_ms))
            self.rounds += 1
        intent = match_intent(node, text, digits)
        if intent is not None:
            self.intent = intent.name
            if intent.level:
                self.level = intent.level
            return self._run(intent.next)
        branch = node.no_match if heard else node.no_input
        tries = self.tries.get(node.name, 0)
        if tries < node.repeats:
            self.tries[node.name] = tries + 1
            return Step(actions=(), listen=node) if branch is None else self._run(branch)
        if branch is not None:
            return self._run(branch)
        return Step(actions=(), listen=None, outcome="hangup")

    def _listening(self) -> Node:
        node = self.flow.nodes.get(self.current or "")
        if node is None or node.kind != "listen":
            raise RuntimeError("the dialog is not listening")
        return node

    def _all_variables(self) -> dict[str, str]:
        return {**self.variables, **self.captured}

    def _run(self, name: str) -> Step:
        actions: list[Action] = []
        for _ in range(MAX_HOPS):
            node = self.flow.nodes[name]
            self.current = name
            if node.level:
                self.level = node.level
            if node.kind == "listen":
                return Step(tuple(actions), listen=node)
            if node.kind == "hangup":
                return Step(tuple(actions), listen=None, outcome="hangup")
            if node.kind == "transfer":
                # No call-center groups yet: the transfer is answered "not available" and the flow goes on.
                actions.append(Action("transfer", group=node.group))
                if node.next is None:
                    return Step(tuple(actions), listen=None, outcome="transfer_unavailable")
                name = node.next
                continue
            if node.kind == "set":
                values = self._all_variables()
                self.captured.update({key: render(value, values) for key, value in node.variables.items()})
            else:
                actions.append(self._act(node))
            assert node.next is not None
            name = node.next
        return Step(tuple(actions), listen=None, outcome="loop")

    def _act(self, node: Node) -> Action:
        text = render(node.text, self._all_variables()) if node.text else None
        if node.kind == "sms":
            self.sms.append(text or "")
            return Action("sms", text=text)
        if text:
            self.turns.append(Turn("ROBOT", text))
        return Action("speak", text=text, audio=node.audio)
