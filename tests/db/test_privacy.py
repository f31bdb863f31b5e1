"""No chat id of a person is ever written to the database: only keyed hashes of it."""

from __future__ import annotations

import secrets
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from bot.db import ChannelMode, Database, Outcome


def _files(db_url: str, pg_folder: Path | None) -> list[Path]:
    if pg_folder is not None:
        return [p for p in (pg_folder / "data").rglob("*") if p.is_file()]
    database = Path(make_url(db_url).database or "")
    return sorted(database.parent.glob(database.name + "*"))  # the file, and any -wal / -shm


async def test_a_persons_id_never_reaches_the_database_files(db_url: str, request: pytest.FixtureRequest) -> None:
    """After logging, voting and rate-limiting one person, their id's bytes are in no file of the database."""
    person = str(10**17 + secrets.randbelow(10**17))  # a Discord-sized id no other test uses
    async with await Database.open(db_url) as db:
        answer_id = await db.questions.record(
            platform="discord", asker=person, question="Who founded IBM?", outcome=Outcome.ANSWERED, guild=5
        )
        await db.votes.cast(answer_id, person, up=False, reason="wrong")
        assert await db.rate_limiter(5, 30).hit(person) == 0.0
        await db.channels.set("discord", 5, 6, mode=ChannelMode.MENTION, private=True)
        hashed = db.hash_id(person)
    pg_folder = None
    if db_url.startswith("postgresql"):
        server = request.getfixturevalue("pg_server")
        pg_folder = server.folder
        with psycopg.connect(server.dsn(), autocommit=True) as conn:
            conn.execute("CHECKPOINT")  # table pages from shared memory to the data files
    files = _files(db_url, pg_folder)
    contents = b"".join(f.read_bytes() for f in files)
    # The check can fail: the hash and the question are found where the id would be.
    assert hashed.encode() in contents
    assert b"Who founded IBM?" in contents
    assert person.encode() not in contents
    assert int(person).to_bytes(8, "little") not in contents and int(person).to_bytes(8, "big") not in contents
