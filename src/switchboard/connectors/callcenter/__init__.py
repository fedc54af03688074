"""Telephony for the call center that needs no SIP peer: the sandbox's simulated callers and agents' phones."""
