"""The `duban` command, one module per command family."""
