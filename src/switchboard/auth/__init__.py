"""Authentication of API requests: signatures, secrets at rest, IP rules and the check order."""
