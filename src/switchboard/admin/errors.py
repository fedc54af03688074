"""Refusals of the admin API and the console, each with its HTTP status.

The exception tree::

    Refused(message)          a request the caller may not make or that cannot be served
    +-- NotSignedIn           401: no valid session or token
    +-- Forbidden             403: signed in, but the role does not allow it (or the CSRF token is wrong)
    +-- NotFound              404: unknown, out of the caller's scope, or the console is off
    +-- Invalid               422: the request was understood and refused (an OperatorError's message)
    +-- TooMany               429: too many failed sign-ins from the caller's address

The admin API renders them as ``{"detail": message}``; the console as an HTML page.
"""

from __future__ import annotations


class Refused(Exception):
    status_code = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotSignedIn(Refused):
    status_code = 401


class Forbidden(Refused):
    status_code = 403


class NotFound(Refused):
    status_code = 404


class Invalid(Refused):
    status_code = 422


class TooMany(Refused):
    status_code = 429
