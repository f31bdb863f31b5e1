"""Opening the database: the default location, and one clear line for a bad URL or a server that is down."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from bot.db import Database, DatabaseConfigError, DatabaseUnavailableError, default_url, resolve_url


async def test_blank_url_is_an_sqlite_file_in_data_dir(tmp_path: Path) -> None:
    """DATABASE_URL blank: DATA_DIR is created and holds citebot.db."""
    data_dir = tmp_path / "data"
    assert not data_dir.exists()
    async with await Database.open("  ", data_dir=data_dir) as db:
        assert db.engine.url.database == str(data_dir / "citebot.db")
    assert (data_dir / "citebot.db").is_file()
    assert default_url("data") == "sqlite+aiosqlite:///data/citebot.db"


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("mysql+aiomysql://u:pw@host/db", "names the driver 'mysql+aiomysql'"),
        ("postgresql://u:pw@host/db", "names the driver 'postgresql'"),
        ("sqlite+aiosqlite://", "names no database file"),
        ("not a url", "is not a database URL"),
    ],
)
def test_unusable_urls_are_one_line_naming_the_fix(url: str, said: str) -> None:
    """A URL of another driver, an in-memory SQLite or no URL at all: one line, password hidden."""
    with pytest.raises(DatabaseConfigError) as caught:
        resolve_url(url)
    message = str(caught.value)
    assert said in message and "postgresql+asyncpg://" in message
    assert "\n" not in message and "pw" not in message


def test_a_password_in_an_unparsable_url_is_hidden() -> None:
    """Even a URL that does not parse shows no password."""
    with pytest.raises(DatabaseConfigError) as caught:
        resolve_url("postgresql+asyncpg://u:hunter2@host:notaport/db")
    assert "hunter2" not in str(caught.value)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed again on return: nothing listens there


@pytest.mark.parametrize("driver", ["asyncpg", "psycopg"])
async def test_a_server_that_is_down_is_one_line(driver: str) -> None:
    """Nothing listening: DatabaseUnavailableError, one line, password hidden."""
    url = f"postgresql+{driver}://citebot:hunter2@127.0.0.1:{_closed_port()}/citebot"
    with pytest.raises(DatabaseUnavailableError) as caught:
        await Database.open(url)
    message = str(caught.value)
    assert message.startswith(f"cannot open the database postgresql+{driver}://citebot:***@127.0.0.1:")
    assert "\n" not in message and "hunter2" not in message


async def test_an_sqlite_file_that_cannot_be_made_is_one_line(tmp_path: Path) -> None:
    """DATA_DIR under a file (not a folder): DatabaseUnavailableError."""
    (tmp_path / "file").write_text("")
    with pytest.raises(DatabaseUnavailableError) as caught:
        await Database.open(None, data_dir=tmp_path / "file" / "data")
    assert "\n" not in str(caught.value)


async def test_an_sqlite_folder_that_cannot_be_written_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A read-only DATA_DIR (a container without its volume) is refused before the driver connects."""
    import bot.db.engine

    folder = tmp_path / "data"
    folder.mkdir()
    # Root may write anywhere, so the folder's mode cannot show this here: the check itself is faked.
    monkeypatch.setattr(bot.db.engine.os, "access", lambda path, mode: Path(path) != folder)
    with pytest.raises(DatabaseUnavailableError) as caught:
        await Database.open(None, data_dir=folder)
    message = str(caught.value)
    assert "\n" not in message and "the folder cannot be written" in message and str(folder) in message
    assert not (folder / "citebot.db").exists()


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+asyncpg://citebot:s3cr@t-tail/x@127.0.0.1:5432/citebot",
        "postgresql+psycopg://citebot:two@signs@db.example.org/citebot",
    ],
)
def test_an_at_sign_in_the_password_is_one_line_that_shows_none_of_it(url: str) -> None:
    """The password ended at its first @: the rest was taken for the host, shown unmasked in the error line
    ("cannot open the database postgresql+asyncpg://citebot:***@t-tail/x%40127.0.0.1...") and the log."""
    with pytest.raises(DatabaseConfigError) as caught:
        resolve_url(url)
    message = str(caught.value)
    assert "has an @ in its password: write it as %40" in message
    assert "tail" not in message and "signs" not in message and "s3cr" not in message and "two" not in message
    assert "citebot:***@" in message


def test_a_percent_encoded_at_sign_is_the_password_and_an_sqlite_path_may_hold_one() -> None:
    assert resolve_url("postgresql+asyncpg://citebot:s3cr%40t@127.0.0.1/citebot").password == "s3cr@t"
    assert resolve_url("sqlite+aiosqlite:////srv/a@b/c@d/citebot.db").database == "/srv/a@b/c@d/citebot.db"


async def test_an_sqlite_file_deleted_under_the_bot_is_not_reachable(tmp_path: Path) -> None:
    """The health file's note (bot/core/runtime.py): an SQLite file is asked nothing (a transaction there takes
    the file's write lock); deleted under the bot, its writes go to a file nobody opens again."""
    async with await Database.open(None, data_dir=tmp_path / "data") as db:
        assert await db.reachable()
        (tmp_path / "data" / "citebot.db").unlink()
        assert not await db.reachable()


@pytest.mark.parametrize(
    ("url", "user", "host"),
    [
        ("postgresql+asyncpg://citebot@myserver:s3cret@db.example.org/citebot", "citebot@myserver", "db.example.org"),
        (
            "postgresql+psycopg://citebot:s3cret@db.example.org/citebot?application_name=bot@a",
            "citebot",
            "db.example.org",
        ),
    ],
)
def test_an_at_sign_in_the_user_name_or_the_query_is_read_as_written(url: str, user: str, host: str) -> None:
    """Only the password's @ is misread: a user name of Azure's `user@server` form, or an @ in the query, parse
    as written (they were refused with the password's line)."""
    parsed = resolve_url(url)
    assert (parsed.username, parsed.password, parsed.host) == (user, "s3cret", host)
