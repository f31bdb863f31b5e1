"""Alembic migrations of the project's database, run at start-up by ``bot.db.migrate``."""
