"""A test SMSC (SMPP 3.4 server) for operators, developers, the test suite and the bench; see ``server``."""

from switchboard.smsc.server import ReceivedSubmit, SmscScenario, SmscServer, format_message_id, run_smsc

__all__ = ["ReceivedSubmit", "SmscScenario", "SmscServer", "format_message_id", "run_smsc"]
