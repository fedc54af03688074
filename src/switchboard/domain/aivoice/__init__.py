"""Intelligent (AI) voice: dialog flows, intent matching and task rules, as pure functions over data."""
