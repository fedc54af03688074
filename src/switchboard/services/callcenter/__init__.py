"""The call center (REFERENCE.md section 4, C1-C25): one service per concept, codes of the Call Center table."""
