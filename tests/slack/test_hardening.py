"""Hostile and careless requests to the Slack app (issue 14): quiet refusals, no 500s, no question in the log,
inert echoes, replays answered once."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator

import pytest

from bot.db import Database
from bot.slack.buttons import MORE, SHARE, VOTE_DOWN
from bot.slack.verify import BURST, RefusalLog, SignatureCheck
from tests.fake_slack import (
    BOT_USER,
    FORM,
    FakeSlack,
    buttons_of,
    click_body,
    command_body,
    event_body,
    mention_event,
    submit_body,
    unsigned_post,
)
from tests.slack.harness import SECRET, Bot, settings, start

MEGABYTE = 1_000_000


@pytest.fixture
async def bot(slack: FakeSlack, db: Database) -> AsyncIterator[Bot]:
    started = await start(slack, settings(slack_ask_ephemeral=False, rate_limit_count=50), db=db)
    yield started
    await started.close()


def _all_logged(caplog: pytest.LogCaptureFixture, level: int = logging.DEBUG) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= level]


# --- refused requests ---------------------------------------------------------------------------------


async def test_unsigned_megabyte_posts_log_one_short_line_each(bot: Bot, caplog: pytest.LogCaptureFixture) -> None:
    """Ten unsigned 1 MB POSTs: ten 401s, ten one-line warnings (method, path, size, reason), no body in any log."""
    body = b"secretpayload " + b"x" * (MEGABYTE - 30) + b"\nINFO forged line"
    with caplog.at_level(logging.DEBUG):
        statuses = [await asyncio.to_thread(unsigned_post, bot.url, body) for _ in range(10)]
    assert statuses == [401] * 10
    ours = [r.getMessage() for r in caplog.records if r.name == "bot.slack.verify"]
    assert ours == [f"slack refused a request: POST /slack/events, {len(body)} bytes, unsigned"] * 10
    everything = "\n".join(r.getMessage() for r in caplog.records)
    assert "secretpayload" not in everything
    assert "forged" not in everything
    assert len(everything) < 10_000


async def test_a_badly_signed_body_is_read_but_never_logged(bot: Bot, caplog: pytest.LogCaptureFixture) -> None:
    """A request that looks signed is read to check it; refused, it is one line, its body nowhere."""
    with caplog.at_level(logging.DEBUG):
        status, _, _ = await bot.post(event_body(mention_event("zebra question\nforged")), secret="not-the-secret")
    assert status == 401
    [line] = [r.getMessage() for r in caplog.records if r.name == "bot.slack.verify"]
    assert line.startswith("slack refused a request: POST /slack/events, ") and line.endswith(" bytes, bad signature")
    assert not any("zebra" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("timestamp", ["abc", "12ab", "1e9", "", "1 2", "9" * 40, "-5", "²³"])
async def test_a_bad_timestamp_is_a_401_without_a_traceback(
    bot: Bot, caplog: pytest.LogCaptureFixture, timestamp: str
) -> None:
    """A non-numeric, blank, huge or non-ASCII X-Slack-Request-Timestamp: 401 and one line, never a 500."""
    with caplog.at_level(logging.DEBUG):
        status, _, _ = await bot.post(event_body(mention_event("hi")), timestamp=timestamp)
    assert status == 401
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    [line] = [r.getMessage() for r in caplog.records if r.name == "bot.slack.verify"]
    assert line.endswith(("bad timestamp", "unsigned"))


def test_refusals_are_logged_at_most_a_burst_a_minute_then_counted(caplog: pytest.LogCaptureFixture) -> None:
    """A flood of refusals writes BURST lines a minute, then one line counting the rest."""
    now = [0.0]
    refusals = RefusalLog(clock=lambda: now[0])
    with caplog.at_level(logging.WARNING, logger="bot.slack.verify"):
        for _ in range(BURST + 15):
            refusals.refused("POST", "/slack/events", 10, "unsigned")
        now[0] = 61.0
        refusals.refused("POST", "/slack/events", 10, "unsigned")
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == BURST + 2
    assert lines[BURST] == "slack refused 15 more request(s) in 60 s, not logged one by one"


def test_the_signature_check_accepts_slacks_and_nothing_else() -> None:
    """Slack's own signature passes; a changed body, an old or future timestamp, a wrong scheme do not."""
    from tests.fake_slack import signature

    check = SignatureCheck(SECRET, clock=lambda: 1_700_000_000.0)
    ts = "1700000000"
    good = signature(SECRET, ts, "body")
    assert check.fault(ts, good, b"body") is None
    assert check.fault(ts, good, b"bodY") == "bad signature"
    assert check.fault("1699999000", signature(SECRET, "1699999000", "body"), b"body") == "stale timestamp"
    assert check.fault("1700001000", signature(SECRET, "1700001000", "body"), b"body") == "stale timestamp"
    assert check.fault(ts, "v1=" + good[3:], b"body") == "bad signature"
    assert check.fault(ts, "v0=ü", b"body") == "bad signature"
    assert check.fault(None, good, b"body") == "unsigned"


# --- the question is never in the log at INFO ---------------------------------------------------------


async def test_question_text_is_never_logged_at_info(bot: Bot, caplog: pytest.LogCaptureFixture) -> None:
    """Mentions, follow-ups, commands, clicks, the modal and refusals: "zebra" reaches no log line at INFO or above."""
    with caplog.at_level(logging.DEBUG):
        root = bot.slack.said(f"<@{BOT_USER}> Why did IBM quit zebra?")
        await bot.post(event_body({**root, "type": "app_mention"}, event_id="EvZ1"))
        await bot.wait_for("chat.postMessage", thread_ts=root["ts"])
        follow_up = bot.slack.said("and the zebra letter?", thread_ts=root["ts"])
        await bot.post(event_body(follow_up, event_id="EvZ2"))
        [_, answer] = await bot.wait_for("chat.postMessage", 2, thread_ts=root["ts"])
        await bot.post(
            command_body("/ask", "zebra facial recognition?", bot.slack.response_url("z")), content_type=FORM
        )
        await bot.post(command_body("/quote", "zebra", bot.slack.response_url("zq")), content_type=FORM)
        await bot.wait_for("respond", key="z")
        await bot.wait_for("respond", key="zq")
        await bot.post(click_body(answer, MORE), content_type=FORM)
        await bot.post(click_body(answer, VOTE_DOWN), content_type=FORM)
        [opened] = await bot.wait_for("views.open")
        await bot.post(submit_body(opened, "zebra is wrong"), content_type=FORM)
        await bot.wait_for("chat.postEphemeral", 3)
        await bot.post(event_body(mention_event("zebra unsigned")), secret="wrong")
        await bot.idle()
    assert len(bot.retriever.asked) == 4
    assert "zebra" in "\n".join(r.getMessage() for r in caplog.records if r.levelno == logging.DEBUG)
    loud = [r.getMessage() for r in _all_logged(caplog, logging.INFO)]
    assert loud
    assert not [m for m in loud if "zebra" in m.lower()]


# --- the "Asked:" echo in the channel -------------------------------------------------------------------


async def test_the_asked_echo_in_the_channel_shows_markup_and_bidi_inertly(bot: Bot) -> None:
    """`*bold*`, a code fence and U+202E in a public /ask stay as typed: plain text, no override character."""
    question = "*bold* ```rm -rf``` why did IBM quit \u202eevil"
    await bot.post(command_body("/ask", question, bot.slack.response_url("echo")), content_type=FORM)
    [answer] = await bot.wait_for("respond", key="echo")
    assert answer.payload["response_type"] == "in_channel"
    echo = answer.payload["blocks"][0]["elements"][0]
    assert echo == {"type": "plain_text", "text": "Asked: *bold* ```rm -rf``` why did IBM quit evil", "emoji": False}
    assert "\u202e" not in json.dumps(answer.payload, ensure_ascii=False)


# --- replays --------------------------------------------------------------------------------------------


async def test_a_replayed_signed_ask_is_answered_once(bot: Bot) -> None:
    """The same signed /ask sent again within five minutes (one trigger id) is not answered again: 503
    while the first is under way, 200 once it is done."""
    body = command_body("/ask", "Why did IBM quit?", bot.slack.response_url("replay"))
    assert (await bot.post(body, content_type=FORM))[0] == 200
    assert (await bot.post(body, content_type=FORM))[0] in (200, 503)
    # A command's listener acks before its 200 is sent, and is in the pipeline by then.
    await bot.idle()
    await bot.wait_for("respond", key="replay")
    assert len(bot.slack.of("respond", key="replay")) == 1
    assert bot.retriever.asked == ["Why did IBM quit?"]
    assert list(buttons_of(bot.slack.of("respond", key="replay")[0])) == [MORE, "citebot_vote_up", VOTE_DOWN]
    assert SHARE not in buttons_of(bot.slack.of("respond", key="replay")[0])  # a public answer: nothing to share
