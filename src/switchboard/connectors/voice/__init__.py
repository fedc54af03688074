"""Voice trunks: the interface in ``base.py``; the SIP/RTP trunk (``sip_trunk.py`` over ``transport.py`` and
``media.py``) and the simulated callee of the sandbox (``simulated.py``)."""
