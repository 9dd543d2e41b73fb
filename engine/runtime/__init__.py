"""I/O in the engine's terms: the site, commands, apply, the sweep, the outbox, the scheduler."""
