"""Read models: items, lists, inbox, audit, supervision, diagram."""
