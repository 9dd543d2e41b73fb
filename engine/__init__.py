"""Duban engine: the workflow language, the runtime and its store, time and supervision."""
