"""Fixtures of the console and voice tests, for the attacks on them."""

from tests.console.conftest import admin, browser, console_app
from tests.voice.conftest import voice_client, voice_rates

__all__ = ["admin", "browser", "console_app", "voice_client", "voice_rates"]
