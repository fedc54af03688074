"""Attacks on the running platform, kept as regression tests."""
