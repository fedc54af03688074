"""The console's fixtures, for the attacks on the console."""

from tests.console.conftest import admin, browser, console_app

__all__ = ["admin", "browser", "console_app"]
