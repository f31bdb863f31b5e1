"""What the bot says reaches Slack, or the log says it did not: response_urls that refuse, channels the
bot is not in, and Block Kit's limits end to end."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest

from bot.core import wording
from bot.core.actions import Actions
from bot.db import Database
from bot.slack.buttons import SHARE, VOTE_DOWN, VOTE_UP
from tests.fake_slack import FORM, Call, FakeSlack, click_body, command_body
from tests.slack.harness import Bot, start


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


async def _ask_privately(bot: Bot, key: str) -> Call:
    await bot.post(command_body("/ask", "Why did IBM quit?", bot.slack.response_url(key)), content_type=FORM)
    [answer] = await bot.wait_for("respond", key=key)
    return answer


@pytest.mark.parametrize("refusal", ["not_in_channel", "channel_not_found"])
async def test_votes_on_a_shared_answer_where_the_bot_is_not_are_thanked_through_the_click(
    bot: Bot, refusal: str
) -> None:
    """/ask works in any channel, and Share posts there through the click's response_url, so a shared
    answer can sit in a channel (or a private one, or a DM between two people) the bot is not in, where
    Slack refuses it ``chat.postEphemeral``. A vote on it is thanked through the vote's own response_url,
    privately, instead of an apology for a vote that did count."""
    answer = await _ask_privately(bot, f"p-{refusal}")
    await bot.post(click_body(answer, SHARE, response_url=bot.slack.response_url(f"s-{refusal}")), content_type=FORM)
    [shared] = await bot.wait_for("respond", key=f"s-{refusal}")
    bot.slack.refuse["chat.postEphemeral"] = refusal
    for action, key in ((VOTE_UP, f"up-{refusal}"), (VOTE_DOWN, f"down-{refusal}")):
        body = click_body(shared, action, user="U0002", name="bo", response_url=bot.slack.response_url(key))
        assert (await bot.post(body, content_type=FORM))[0] == 200
        [told] = await bot.wait_for("respond", key=key)
        assert told.payload["response_type"] == "ephemeral"
        assert told.payload["replace_original"] is False  # the shared answer stays
        assert told.payload["text"] == (wording.VOTED_UP if action == VOTE_UP else wording.VOTED_DOWN)


async def test_a_click_that_fails_at_once_is_acknowledged_and_apologised_for_beside_the_answer(
    bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A listener that fails within milliseconds of its ack() (here a vote the database refuses) is still
    acknowledged in Slack's 3 s (bolt reset the ack it held, so Slack showed an error), and apologised for
    privately as a new message: the answer everyone sees is not replaced by "Sorry"."""
    answer = await _ask_privately(bot, "ap1")
    await bot.post(click_body(answer, SHARE, response_url=bot.slack.response_url("ap-share")), content_type=FORM)
    [shared] = await bot.wait_for("respond", key="ap-share")

    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(Actions, "vote", broken)
    await bot.post(
        click_body(shared, VOTE_UP, user="U0002", response_url=bot.slack.response_url("ap-up")), content_type=FORM
    )
    [told] = await bot.wait_for("respond", key="ap-up")
    assert told.payload["text"] == wording.APOLOGY
    assert (told.payload["response_type"], told.payload["replace_original"]) == ("ephemeral", False)


async def test_a_share_slack_refused_can_be_clicked_again(bot: Bot) -> None:
    """Share whose post Slack refuses (its response_url expired) gave the answer's one share away: a later
    click was told "already in the channel" though nothing was. It is given back, and the next click posts."""
    answer = await _ask_privately(bot, "rs1")
    bot.slack.expired.add("rs-first")
    await bot.post(click_body(answer, SHARE, response_url=bot.slack.response_url("rs-first")), content_type=FORM)
    [refused, sorry] = await bot.wait_for("respond", 2, key="rs-first")
    assert refused.payload["response_type"] == "in_channel" and refused.reply["status"] == 404
    assert sorry.payload["text"] == wording.APOLOGY
    await bot.post(click_body(answer, SHARE, response_url=bot.slack.response_url("rs-again")), content_type=FORM)
    [shared] = await bot.wait_for("respond", key="rs-again")
    assert shared.payload["response_type"] == "in_channel"
