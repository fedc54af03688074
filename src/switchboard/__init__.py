"""Switchboard: a self-hostable SMS and voice platform that speaks the Onbuka v3 HTTP API."""

__version__ = "0.1.0"
