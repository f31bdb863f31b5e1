"""What the bot says reaches Slack, or the log says it did not: response_urls that refuse, channels the
bot is not in, and Block Kit's limits end to end."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.db import Database
from tests.fake_slack import FORM, FakeSlack, command_body
from tests.slack.harness import Bot, start


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
async def db(sqlite_migrated: Path) -> AsyncIterator[Database]:
    database = await Database.open(f"sqlite+aiosqlite:///{sqlite_migrated}")
    yield database
    await database.close()


@pytest.fixture
async def bot(slack: FakeSlack, db: Database) -> AsyncIterator[Bot]:
    started = await start(slack, db=db)
    yield started
    await started.close()


def _outcomes(caplog: pytest.LogCaptureFixture) -> list[str]:
    lines = [r.getMessage() for r in caplog.records if r.name == "bot.core.pipeline" and r.levelno == logging.INFO]
    return [line.split("outcome=")[1].split()[0] for line in lines if line.startswith("question ")]


async def test_an_answer_its_response_url_refuses_is_logged_undelivered(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    """A /ask answer Slack refuses at its response_url (expired after 30 minutes, used up, or invalid)
    is ``undelivered`` in the log, as any answer a platform refused, not ``answered``."""
    caplog.set_level(logging.INFO)
    bot.slack.expired.add("gone1")
    await bot.post(command_body("/ask", "Why did IBM quit?", bot.slack.response_url("gone1")), content_type=FORM)
    [refused] = await bot.wait_for("respond", key="gone1")
    await bot.idle()
    assert refused.reply["status"] == 404
    assert _outcomes(caplog) == ["undelivered"]
    assert any("Could not deliver a slack answer: ResponseUrlRefused 404" in r.getMessage() for r in caplog.records)
