"""Serialising a transaction across processes, with each engine's own means.

PostgreSQL has advisory locks: ``pg_advisory_xact_lock(class, key)`` blocks until no
other transaction holds the same pair, and is released at commit or rollback. SQLite
needs nothing here: every transaction of ``engine.py`` begins with ``BEGIN
IMMEDIATE``, which already holds the database's single write lock until it ends.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

__all__ = ["MIGRATION_LOCK", "RATE_LIMIT_CLASS", "advisory_xact_lock", "lock_key"]

# Lock classes (the first int of the pair): arbitrary, fixed, distinct. 0x63697465 is "cite".
MIGRATION_CLASS = 0x63697465
RATE_LIMIT_CLASS = 0x63697466
MIGRATION_LOCK = (MIGRATION_CLASS, 1)


def lock_key(value: str) -> int:
    """A signed 32-bit int from ``value``: the second half of an advisory lock pair.

    Two values that collide merely share a lock, which is still correct.
    """
    return int.from_bytes(hashlib.blake2b(value.encode(), digest_size=4).digest(), "big", signed=True)


async def advisory_xact_lock(conn: AsyncConnection, lock: tuple[int, int]) -> None:
    """Hold ``lock`` until ``conn``'s transaction ends (PostgreSQL); nothing to do on SQLite."""
    if conn.dialect.name == "postgresql":
        await conn.execute(text("SELECT pg_advisory_xact_lock(:cls, :key)"), {"cls": lock[0], "key": lock[1]})
