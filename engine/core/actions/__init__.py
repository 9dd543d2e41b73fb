"""In-task actions: `catalogue` (the one list: name, labels, fields, allowed states, family), `dispatch` (what a
task offers now and taking an action), and the handlers by family (routing, cohandling, decisions, notes, appeals),
which share `common` and never import the catalogue."""
