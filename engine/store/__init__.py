"""Persistence: SQLModel tables, database setup (SQLite WAL or PostgreSQL), migrations, repositories."""
