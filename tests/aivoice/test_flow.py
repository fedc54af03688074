"""Dialog flows as data: validation, rendering, intent matching and the dialog's branches."""

from __future__ import annotations

from typing import Any

import pytest

from switchboard.domain.aivoice.dialog import Dialog, match_intent
from switchboard.domain.aivoice.example import REMINDER_YAML
from switchboard.domain.aivoice.flow import FlowError, definition_of, parse_flow, render


def reminder() -> dict[str, Any]:
    data: dict[str, Any] = definition_of(REMINDER_YAML)
    return data


def test_the_reminder_parses_and_names_its_variables() -> None:
    flow = parse_flow(reminder())
    assert flow.start == "greet"
    assert flow.variables() == {"name", "amount"}
    assert "call me later" in flow.phrases()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda f: f.update(start="nowhere"), "start must name a node"),
        (lambda f: f["nodes"]["greet"].update(next="missing"), "'missing' is not a node"),
        (lambda f: f["nodes"]["greet"].update(type="dance"), "type must be one of"),
        (lambda f: f["nodes"]["greet"].update(audio="f1"), "exactly one of text or audio"),
        (lambda f: f["nodes"]["ask"]["intents"]["yes"].update(keys=["12"]), "single DTMF keys"),
        (lambda f: f["nodes"]["ask"]["intents"]["yes"].update(level="Z"), "level must be one of"),
        (lambda f: f["nodes"]["ask"].update(timeout_ms=10), "timeout_ms must be"),
        (lambda f: f["nodes"]["ask"].update(intents={}), "listen needs intents"),
        (lambda f: f["nodes"]["agreed"].update(variables={}), "set needs variables"),
        (lambda f: f.update(nodes={}), "nodes must be a mapping"),
        (lambda f: f.pop("name"), "name is required"),
    ],
)
def test_bad_definitions_are_refused_with_the_problem(change: Any, message: str) -> None:
    flow = reminder()
    change(flow)
    with pytest.raises(FlowError, match=message):
        parse_flow(flow)


def test_render_fills_variables() -> None:
    assert render("Hi ${name}, ${x}.", {"name": "Ann"}) == "Hi Ann, ."


def test_intents_prefer_the_longest_phrase_and_keys() -> None:
    node = parse_flow(reminder()).nodes["ask"]
    assert match_intent(node, "no thanks I am not interested", None).name == "no"  # type: ignore[union-attr]
    assert match_intent(node, "yes sure", None).name == "yes"  # type: ignore[union-attr]
    assert match_intent(node, "I am busy call me later", None).name == "later"  # type: ignore[union-attr]
    assert match_intent(node, None, "2").name == "no"  # type: ignore[union-attr]
    assert match_intent(node, "banana", None) is None


def test_yes_captures_sends_sms_and_ends_with_level_a() -> None:
    dialog = Dialog.of(parse_flow(reminder()), {"name": "Ann", "amount": "40"})
    step = dialog.begin()
    assert step.listen is not None and step.actions[0].text is not None and "Ann" in step.actions[0].text
    step = dialog.hear("yes", None, 100, 600)
    assert step.listen is None and step.outcome == "hangup"
    assert [a.kind for a in step.actions] == ["sms", "speak"]
    assert dialog.captured == {"promise": "yes"} and dialog.level == "A" and dialog.intent == "yes"
    assert [t.who for t in dialog.turns] == ["ROBOT", "PERSON", "ROBOT"] and dialog.rounds == 1
    assert dialog.sms == ["Thank you Ann, we have noted your promise to pay 40 dollars."]


def test_silence_repeats_then_hangs_up_and_no_match_reprompts() -> None:
    dialog = Dialog.of(parse_flow(reminder()), {"name": "Bo", "amount": "1"})
    dialog.begin()
    step = dialog.hear(None)
    assert step.listen is not None and step.actions[0].text == "Are you there?"
    step = dialog.hear("")
    assert step.listen is not None  # the no-input branch again (no repeats left but a branch exists)
    dialog2 = Dialog.of(parse_flow(reminder()), {})
    dialog2.begin()
    step = dialog2.hear("banana")
    assert step.actions[0].text is not None and step.actions[0].text.startswith("Sorry")
    step = dialog2.hear(None, "2")
    assert step.listen is None and dialog2.level == "E"


def test_a_listen_without_branches_hangs_up_after_its_repeats() -> None:
    flow = parse_flow(
        {
            "name": "t",
            "start": "a",
            "nodes": {
                "a": {"type": "listen", "repeats": 1, "intents": {"y": {"phrases": ["yes"], "next": "b"}}},
                "b": {"type": "transfer", "group": "sales"},
            },
        }
    )
    dialog = Dialog.of(flow, {})
    dialog.begin()
    assert dialog.hear(None).listen is not None
    assert dialog.hear(None).outcome == "hangup"
    dialog = Dialog.of(flow, {})
    dialog.begin()
    step = dialog.hear("yes")
    assert step.outcome == "transfer_unavailable" and step.actions[0].group == "sales"
