"""Errors of the database layer, each one line that names the fix.

The front ends turn these into one line on stderr and an exit code, as they do for
``bot.errors``; this package does not import the rest of the bot, so it has its own.
"""

from __future__ import annotations

__all__ = [
    "DatabaseConfigError",
    "DatabaseError",
    "DatabaseTimeoutError",
    "DatabaseTooNewError",
    "DatabaseUnavailableError",
]


class DatabaseError(Exception):
    """Base class of every error this package raises on purpose."""


class DatabaseConfigError(DatabaseError):
    """``DATABASE_URL`` is not a URL this package can use."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(
            f"DATABASE_URL {url!r} {reason}: use sqlite+aiosqlite:///PATH, postgresql+asyncpg://USER:PASSWORD@HOST/DB"
            " or postgresql+psycopg://USER:PASSWORD@HOST/DB (blank: an SQLite file in DATA_DIR)"
        )
        self.url = url


class DatabaseUnavailableError(DatabaseError):
    """The database could not be opened or reached."""

    def __init__(self, url: str, cause: BaseException) -> None:
        # SQLAlchemy wraps the driver's error and appends the SQL and a help link: the driver's own words suffice.
        cause = getattr(cause, "orig", None) or cause
        detail = " ".join(str(cause).split()) or type(cause).__name__
        fix = (
            "check DATABASE_URL, or that DATA_DIR is a writable folder"
            if url.startswith("sqlite")
            else "check DATABASE_URL and that the server is running"
        )
        super().__init__(f"cannot open the database {url}: {detail[:300]} ({fix})")
        self.url = url


class DatabaseTooNewError(DatabaseError):
    """The database was migrated by a newer citebot than this one (a rolled-back upgrade)."""

    def __init__(self, url: str, revision: str, head: str) -> None:
        super().__init__(
            f"the database {url} is at schema revision {revision}, newer than this citebot knows ({head}):"
            " run the newer citebot, or restore a backup taken before the upgrade"
        )
        self.url = url


class DatabaseTimeoutError(DatabaseError, TimeoutError):
    """The database did not answer a call on an answer's way in time (``waits.py``)."""

    def __init__(self, what: str, seconds: float) -> None:
        super().__init__(f"the database did not answer {what} within {seconds:g} s")
