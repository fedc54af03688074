"""Voice rules with no I/O: SIP and SDP messages, the outbound call state machine, RTP and DTMF, G.711,
billing blocks, termination codes, request validation and the TTS language table.

Everything here takes values (bytes, numbers, a monotonic ``now``) and returns values or actions; the
sockets, timers and processes that act on them live in ``switchboard.connectors.voice`` and the services.
"""
