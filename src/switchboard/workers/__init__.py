"""Background work: each role is a loop over idempotent steps; ``serve`` runs them all in-process."""
