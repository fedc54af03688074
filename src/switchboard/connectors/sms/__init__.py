"""SMS carrier connectors: the interface in ``base.py``; simulator, SMPP and HTTP backends."""
