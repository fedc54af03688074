"""The call center's rules without I/O: request checks, agent states, strategies, the queue and the dialer."""
