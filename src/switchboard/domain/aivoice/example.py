"""The worked example of docs/aivoice.md: a payment reminder with yes / no / later / keys / silence branches."""

from __future__ import annotations

REMINDER_YAML = """
name: Payment reminder
start: greet
nodes:
  greet:
    type: speak
    text: >-
      Hello ${name}. Your bill of ${amount} dollars is due. Can you pay it this week?
      Say yes or no, or press 1 for yes.
    next: ask
  ask:
    type: listen
    timeout_ms: 3000
    repeats: 1
    barge_in: true
    intents:
      yes:
        phrases: ["yes", "sure", "interested", "i will pay"]
        keys: ["1"]
        next: agreed
        level: A
      no:
        phrases: ["no", "not interested", "no thanks", "never"]
        keys: ["2"]
        next: refused
        level: E
      later:
        phrases: ["call me later", "later", "busy", "call back"]
        next: later
        level: C
    no_input: silence
    no_match: again
  again:
    type: speak
    text: "Sorry, I did not understand. Please say yes or no."
    next: ask
  silence:
    type: speak
    text: "Are you there?"
    next: ask
  agreed:
    type: set
    variables: {promise: "yes"}
    next: thank
  thank:
    type: sms
    text: "Thank you ${name}, we have noted your promise to pay ${amount} dollars."
    next: bye
  refused:
    type: speak
    text: "I understand. Goodbye."
    next: end
  later:
    type: speak
    text: "We will call you later. Goodbye."
    next: end
  bye:
    type: speak
    text: "Thank you. Goodbye."
    next: end
  end:
    type: hangup
"""
