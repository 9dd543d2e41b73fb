"""In-task actions: the catalogue (name, label, fields, allowed states) and their handlers."""
