"""The one statement that differs by engine: INSERT ... ON CONFLICT.

SQLite (3.24 and later) and PostgreSQL both spell it the same way in SQL, and
SQLAlchemy builds it with each dialect's own ``insert``.
"""

from __future__ import annotations

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

__all__ = ["upsert_insert"]


def upsert_insert(conn: AsyncConnection, table: Table) -> postgresql.Insert | sqlite.Insert:
    """An INSERT on ``table`` that offers ``on_conflict_do_nothing`` / ``on_conflict_do_update``."""
    module = postgresql if conn.dialect.name == "postgresql" else sqlite
    return module.insert(table)
