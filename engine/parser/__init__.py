"""YAML -> core models, every problem as `file:line: message`."""
