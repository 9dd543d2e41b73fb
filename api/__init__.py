"""Duban's HTTP API: a thin FastAPI layer over the engine (authentication, schemas, routes, the server)."""
