"""The admins' commands without a chat client: channel config, sources through a fake library, the report's since.

Also what the question log records for the report (the issue's list), through the real pipeline.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.core import library as real_library
from bot.core import wording
from bot.core.admin import Admin, Done, is_web_address, parse_mode
from bot.core.asker import Asker
from bot.core.channels import ChannelRules, default_rule
from bot.core.pipeline import Pipeline
from bot.core.record import Recorder
from bot.core.report import Report
from bot.core.service import AnswerService
from bot.core.settings import Settings
from bot.db import ChannelMode, Database
from index.errors import (
    CitebotError,
    FetchError,
    IndexCorruptError,
    IndexMissingError,
    IndexWriteError,
    RemoveSourceError,
    SourceEditError,
)
from index.fetch import PRIVATE_HINT
from index.store import build_lock
from tests.fakes import FakeLibrary, FakeRetriever

NOW = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
async def db(tmp_path: Path, sqlite_migrated: Path) -> AsyncIterator[Database]:
    async with await Database.open(None, data_dir=tmp_path, clock=lambda: NOW) as database:
        yield database


@pytest.fixture
def library() -> FakeLibrary:
    return FakeLibrary()


@pytest.fixture
def admin(db: Database, library: FakeLibrary) -> Admin:
    return Admin(Settings(_env_file=None), db, embed=FakeRetriever().encode, library=library)  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("text", "mode"),
    [("off", ChannelMode.OFF), (" Mention ", ChannelMode.MENTION), ("every", ChannelMode.EVERY_MESSAGE)],
)
def test_parse_mode_reads_the_three_modes(text: str, mode: ChannelMode) -> None:
    assert parse_mode(text) is mode


def test_parse_mode_default_is_none_and_anything_else_is_refused() -> None:
    assert parse_mode("default") is None
    with pytest.raises(ValueError):
        parse_mode("loud")


async def test_configure_shows_sets_and_resets(admin: Admin, db: Database) -> None:
    """No change shows the default; a mode, then private, are stored; `default` forgets the row."""
    default = default_rule(every_message=False)
    shown = await admin.configure("discord", "G", "C", default)
    assert shown == Done(wording.channel_config("mention", False, configured=False))
    assert (await admin.configure("discord", "G", "C", default, mode="every")).changed
    await admin.configure("discord", "G", "C", default, private=True)
    row = await db.channels.get("discord", "G", "C")
    assert row is not None and (row.mode, row.private) == (ChannelMode.EVERY_MESSAGE, True)
    rules = ChannelRules(db.channels, "discord")
    assert (await rules.rule("G", "C", default)).every_message
    assert (await admin.configure("discord", "G", "C", default, mode="default")).changed
    assert await db.channels.get("discord", "G", "C") is None
    assert await rules.rule("G", "C", default) == default


async def test_configure_refuses_an_unknown_mode_and_changes_nothing(admin: Admin, db: Database) -> None:
    done = await admin.configure("slack", "T", "C", default_rule(every_message=True), mode="loud")
    assert done == Done(wording.CONFIG_HOW) and await db.channels.get("slack", "T", "C") is None


async def test_add_and_remove_through_the_library(admin: Admin, library: FakeLibrary) -> None:
    """Added and removed sources are said by title; a refusal is one line and not a change."""
    done = await admin.add(["https://example.com/a.html"])
    assert done.changed and done.text == wording.added(["Added a.html"])
    assert (await admin.remove("a.html")).text == wording.removed("Added a.html")
    refused = await admin.add(["http://refuse.example/"])
    assert not refused.changed and refused.text.startswith("That didn") and "\n" not in refused.text
    assert not (await admin.remove("nothing.txt")).changed
    assert [s.name for s in await admin.sources()] == ["000_a7265f2ac828b9b1.txt"]


@pytest.mark.parametrize(
    ("item", "web"),
    [
        ("https://example.com/a.html", True),
        ("HTTP://example.com", True),
        ("/etc/passwd.txt", False),
        ("file:///etc/passwd.txt", False),
        ("seeds/harbour.txt", False),
        ("ftp://example.com/a.txt", False),
        ("https:///nohost.txt", False),
        ("http://[::1", False),
    ],
)
def test_only_http_and_https_addresses_with_a_host_are_web_addresses(item: str, web: bool) -> None:
    assert is_web_address(item) is web


async def test_an_uploaded_file_refused_is_named_without_its_temporary_folder(tmp_path: Path) -> None:
    """The real library refuses an upload (.docx): the line names the file as uploaded, not where it was saved."""
    settings = Settings(_env_file=None, seeds_dir=tmp_path / "seeds", index_dir=tmp_path / "index")  # type: ignore[call-arg]
    upload = tmp_path / "citebot-upload-x1" / "minutes.docx"
    upload.parent.mkdir()
    upload.write_bytes(b"PK")
    done = await Admin(settings, None, embed=FakeRetriever().encode).add_file(upload)
    assert not done.changed and "minutes.docx: .docx is not a source format" in done.text
    assert "citebot-upload-x1" not in done.text and "\n" not in done.text


async def test_a_change_swaps_the_new_index_in_before_it_is_said_done(admin: Admin) -> None:
    """add and remove await the reloader before answering; a refused one changes nothing, so reloads nothing."""
    said: list[str] = []

    async def reload() -> bool:
        said.append("reloaded")
        return True

    admin.reload = reload
    await admin.add(["https://example.com/a.html"])
    await admin.remove("a.html")
    assert said == ["reloaded", "reloaded"]
    await admin.add(["http://refuse.example/"])
    await admin.add(["/etc/a.txt"])
    await admin.remove("nothing.txt")
    assert said == ["reloaded", "reloaded"]


async def test_a_change_that_must_wait_for_another_says_so_first(tmp_path: Path) -> None:
    """A change told ``waiting`` hears it before it waits for another process's build or another change of this
    process (a chat reply that expires says at once that it is queued); one that need not wait hears nothing."""
    settings = Settings(_env_file=None, seeds_dir=tmp_path / "seeds", index_dir=tmp_path / "index")  # type: ignore[call-arg]
    library = FakeLibrary(locking=True)
    admin = Admin(settings, None, embed=FakeRetriever().encode, library=library)
    told: list[str] = []
    heard = asyncio.Event()

    def waiting(name: str) -> Callable[[], Awaitable[None]]:
        async def tell() -> None:
            told.append(name)
            heard.set()

        return tell

    assert (await admin.add(["https://example.com/a.html"], waiting=waiting("alone"))).changed
    assert told == []
    with build_lock(settings.index_dir):  # another process's build
        queued = asyncio.create_task(admin.add(["https://example.com/b.html"], waiting=waiting("build")))
        await asyncio.wait_for(heard.wait(), 30)
        assert told == ["build"] and not [c for c in library.calls if "https://example.com/b.html" in c[1]]
    assert (await queued).changed
    heard.clear()
    async with admin._changing:  # another change of this process under way (no build)
        behind = asyncio.create_task(admin.remove("a.html", waiting=waiting("change")))
        await asyncio.wait_for(heard.wait(), 30)
    assert (await behind).changed
    assert told == ["build", "change"]
    assert [call for call, _ in library.calls] == ["add", "add", "remove"]


async def test_report_since_is_checked_first(admin: Admin) -> None:
    assert isinstance(await admin.report("1d", NOW, "slack", "T1"), Report)
    bad = await admin.report("yesterday", NOW, "slack", "T1")
    assert isinstance(bad, Done) and bad.text == wording.bad_since("yesterday")


async def test_the_log_records_what_the_report_needs(db: Database) -> None:
    """Abstained and low-confidence questions are logged with time, platform, team and channel, the asker's
    keyed hash (never the id), the question, the outcome, the top citations and the index version."""
    pipeline = Pipeline(AnswerService(FakeRetriever(), batch_window=0.0), recorder=Recorder(db.questions, 3), shown=3)
    asker = Asker("slack", "T1:U42", "T1", "C9")
    abstained = await pipeline.handle(asker, "How do I bake sourdough bread?")
    low = await pipeline.handle(asker, "vaguely who founded IBM?")
    rows = [await db.questions.get(r.answer_id) for r in (abstained, low)]  # type: ignore[union-attr]
    assert [r.outcome.value for r in rows if r] == ["abstained", "low_confidence"]
    row = rows[1]
    assert row is not None
    assert (row.asked_at, row.platform, row.guild, row.channel) == (NOW, "slack", "T1", "C9")
    assert row.asker_hash == db.hash_id("T1:U42") and "U42" not in row.asker_hash
    assert row.question == "vaguely who founded IBM?" and row.index_version == "fakeversion1"
    assert row.citations[0]["source"] == "seeds/000_a7265f2ac828b9b1.txt" and row.citations[0]["shown"] is True


class Refusing(FakeLibrary):
    """The fake library, refusing every change with one error."""

    def __init__(self, error: CitebotError) -> None:
        super().__init__()
        self.error = error

    def add_sources(self, settings: object, items: object, *, say: object = None) -> list[object]:
        raise self.error

    def remove_source(self, settings: object, name: str) -> object:
        raise self.error


SEEDS, INDEX = Path("seeds"), Path(".index")
# What the library refuses with, the command line's fix in it, and what chat says instead.
REFUSALS = [
    (real_library.unknown_source("a.txt"), "`python -m bot sources` lists them", "/sources lists them"),
    (RemoveSourceError("a.txt", real_library.NOT_ADDED, "x"), "python -m bot add", "only whoever runs the bot"),
    (RemoveSourceError("a.txt", real_library.CHANGED, "x"), "python -m bot add", "changed on the bot's machine"),
    (IndexMissingError(INDEX), "run `python -m bot index`", "no index yet; whoever runs the bot can fix it"),
    (IndexCorruptError(INDEX, "a file is missing"), "run `python -m bot index`", "index is damaged; whoever runs"),
    (IndexWriteError(INDEX, "read-only"), "set INDEX_DIR", "cannot write its index; whoever runs"),
    (SourceEditError("seeds/titles.toml", "bad TOML", "fix or move it"), "fix or move", "cannot change its sources"),
    (FetchError("http://10.0.0.1/", "refused: 10.0.0.1", PRIVATE_HINT), "ALLOW_PRIVATE_URLS", "public addresses only"),
]


@pytest.mark.parametrize(("error", "command_line", "chat"), REFUSALS)
async def test_a_refusal_in_chat_names_what_chat_can_do_not_a_command_line_fix(
    error: CitebotError, command_line: str, chat: str
) -> None:
    """The library's refusal keeps its command-line wording; chat's names the chat command, or whoever runs the
    bot, never `python -m bot` or a setting."""
    assert command_line in str(error)
    admin = Admin(Settings(_env_file=None), None, embed=FakeRetriever().encode, library=Refusing(error))  # type: ignore[call-arg]
    removed = await admin.remove("a.txt", sources="/sources")
    assert chat in removed.text, removed.text
    for done in (removed, await admin.add(["https://example.com/a.html"], sources="/sources")):
        assert not done.changed and done.text.startswith("That didn") and "\n" not in done.text
        assert "python -m bot" not in done.text and "_DIR" not in done.text and "ALLOW_" not in done.text, done.text
