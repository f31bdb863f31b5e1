"""The Slack listeners end to end through bolt and its aiohttp adapter, with a fake retriever and a fake Slack."""

from __future__ import annotations

import asyncio
import json
import logging
import time
import urllib.parse
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.core import wording
from bot.core.errors import ConfigError
from bot.slack.app import is_channel_question
from bot.slack.once import SeenEvents
from bot.slack.serve import check_settings, serve
from tests.fake_slack import (
    APP_TOKEN,
    BOT_TOKEN,
    BOT_USER,
    FORM,
    FakeSlack,
    command_body,
    envelope,
    event_body,
    mention_event,
    message_event,
)
from tests.fakes import QUOTE, SENTENCE, FakeRetriever, fake_pipeline
from tests.helpers import run_bot
from tests.slack.harness import SECRET, Bot, settings, start

CITATION = "[1] IBM quits facial recognition, ¶6"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def bot(slack: FakeSlack) -> AsyncIterator[Bot]:
    started = await start(slack)
    yield started
    await started.close()


def _blocks_text(call: Any) -> str:
    return json.dumps(call.payload.get("blocks"), ensure_ascii=False)


# --- events ------------------------------------------------------------------------------------------


async def test_mention_gets_one_threaded_reply_with_a_citation(bot: Bot) -> None:
    """An app_mention is answered once, in a thread under the question, citing its source."""
    status, _, _ = await bot.post(event_body(mention_event("Why did IBM quit facial recognition?", ts="111.222")))
    assert status == 200
    [post] = await bot.wait_for("chat.postMessage")
    assert post.payload["channel"] == "C0001"
    assert post.payload["thread_ts"] == "111.222"
    assert f"*{SENTENCE}*" in _blocks_text(post)
    assert CITATION in _blocks_text(post)
    assert CITATION in post.payload["text"]
    assert bot.retriever.asked == ["Why did IBM quit facial recognition?"]


async def test_a_mention_reaches_the_retriever_as_every_front_end_gives_it(bot: Bot) -> None:
    """The bot's own mention is removed and other people's read as people read them (Slack's events name nobody:
    ``@someone``), as from Discord (bot/core/mentions.py), not as ``@U0ANN``."""
    await bot.post(event_body(mention_event("did <@U0ANN> ask in <#C0GEN|general> why IBM quit?", ts="112.0")))
    await bot.wait_for("chat.postMessage")
    assert bot.retriever.asked == ["did @someone ask in #general why IBM quit?"]


async def test_mention_in_a_thread_replies_in_that_thread(bot: Bot) -> None:
    """A mention inside a thread is answered in the same thread, not a new one."""
    event = mention_event("Why did IBM quit?", ts="300.001") | {"thread_ts": "299.000"}
    await bot.post(event_body(event))
    [post] = await bot.wait_for("chat.postMessage")
    assert post.payload["thread_ts"] == "299.000"


async def test_abstention_wording_when_the_article_has_no_answer(bot: Bot) -> None:
    """A question the article does not answer gets the abstention sentence and no passage."""
    await bot.post(event_body(mention_event("How do I bake sourdough bread?")))
    [post] = await bot.wait_for("chat.postMessage")
    assert post.payload["text"] == wording.ABSTENTION
    assert SENTENCE not in _blocks_text(post)


async def test_message_in_a_configured_channel_is_answered_in_a_thread(bot: Bot) -> None:
    """A top-level message in SLACK_CHANNELS gets a threaded answer; one elsewhere is ignored."""
    await bot.post(event_body(message_event("Why did IBM quit?", channel="C0099", ts="5.0"), event_id="Ev1"))
    await bot.post(event_body(message_event("Why did IBM quit?", channel="C0042", ts="6.0"), event_id="Ev2"))
    await bot.post(event_body(message_event("And then?", channel="C0042", ts="7.0"), event_id="Ev3"))  # a marker
    await bot.wait_for("chat.postMessage", 2)  # events are handled in order: C0099's came first
    await bot.idle()
    posts = bot.slack.of("chat.postMessage")
    assert sorted((p.payload["channel"], p.payload["thread_ts"]) for p in posts) == [("C0042", "6.0"), ("C0042", "7.0")]
    assert sorted(bot.retriever.asked) == ["And then?", "Why did IBM quit?"]


FILE = {"id": "F0001", "name": "chart.png", "mimetype": "image/png"}  # as Slack lists a file shared with a message


async def test_a_question_with_a_file_attached_is_answered_like_any_other(bot: Bot) -> None:
    """Slack sends a message with a file attached with the subtype ``file_share``: its words are answered (the file
    is not read); one with a file and no words asks nothing, and an edit or a join is still no question."""
    with_file = {"subtype": "file_share", "files": [FILE], "upload": False}
    asked = message_event("Why did IBM quit facial recognition?", channel="C0042", ts="6.0") | with_file
    events = [
        asked,
        message_event("", channel="C0042", ts="6.5") | with_file,
        message_event("Why did IBM quit?", channel="C0042", ts="6.6") | {"subtype": "channel_join"},
        message_event("Why not?", channel="C0042", ts="6.7") | {"subtype": "message_changed"},
        message_event("And then?", channel="C0042", ts="7.0"),  # a marker, handled after the others
    ]
    for n, event in enumerate(events):
        await bot.post(event_body(event, event_id=f"EvFile{n}"))
    await bot.wait_for("chat.postMessage", 2)
    await bot.idle()
    posts = bot.slack.of("chat.postMessage")
    assert sorted(p.payload["thread_ts"] for p in posts) == ["6.0", "7.0"]
    assert bot.retriever.asked == ["Why did IBM quit facial recognition?", "And then?"]


async def test_retried_event_is_answered_once(bot: Bot) -> None:
    """A redelivery of the same event_id (X-Slack-Retry-Num) is not answered again: 503 while the first
    is under way (Slack tries again later), 200 once it is done (tests/slack/test_once.py has both)."""
    body = event_body(mention_event("Why did IBM quit?"), event_id="EvSame")
    first = await bot.post(body)
    retry = await bot.post(body, headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
    assert first[0] == 200 and retry[0] in (200, 503)
    await bot.wait_for("chat.postMessage")
    # A marker event after the retry: once it is answered, an answer to the retry would have come first.
    await bot.post(event_body(mention_event("And then?", ts="2.0"), event_id="EvOther"))
    await bot.wait_for("chat.postMessage", 2)
    await bot.idle()
    assert sorted(p.payload["thread_ts"] for p in bot.slack.of("chat.postMessage")) == ["1700000000.000100", "2.0"]
    assert sorted(bot.retriever.asked) == ["And then?", "Why did IBM quit?"]


async def test_a_mention_by_another_app_or_by_an_edit_is_not_answered(bot: Bot) -> None:
    """Slack sends app_mention for another app's message that mentions the bot (two bots would answer each
    other for ever), and again, with a new event_id and ``edited``, when a person edits a message that
    mentioned it: neither is answered; the person's mention is, once."""
    by_app = mention_event("Why did IBM quit?", user="U0APP", ts="10.0") | {"bot_id": "B0APP", "subtype": "bot_message"}
    await bot.post(event_body(by_app, event_id="EvByApp"))
    asked = mention_event("Why did IBM quit facial recognition?", ts="11.0")
    await bot.post(event_body(asked, event_id="EvAsked"))
    await bot.wait_for("chat.postMessage")
    edited = asked | {"text": f"{asked['text']}!", "edited": {"user": "U0001", "ts": "12.0"}}
    await bot.post(event_body(edited, event_id="EvEdited"))
    await bot.post(event_body(mention_event("And then?", ts="13.0"), event_id="EvMarker"))  # handled after both
    await bot.wait_for("chat.postMessage", 2)
    await bot.idle()
    assert sorted(p.payload["thread_ts"] for p in bot.slack.of("chat.postMessage")) == ["11.0", "13.0"]
    assert sorted(bot.retriever.asked) == ["And then?", "Why did IBM quit facial recognition?"]


async def test_an_answer_slack_rate_limits_is_posted_after_the_wait_not_lost(bot: Bot) -> None:
    """Slack answers a busy channel's chat.postMessage with 429 and Retry-After: the answer is posted again
    once the wait is over, once."""
    bot.slack.throttle["chat.postMessage"] = 1
    await bot.post(event_body(mention_event("Why did IBM quit?", ts="20.0")))
    posts = await bot.wait_for("chat.postMessage", 2)
    assert [(p.reply["ok"], p.payload["thread_ts"]) for p in posts] == [(False, "20.0"), (True, "20.0")]
    await bot.idle()
    assert len(bot.slack.of("chat.postMessage")) == 2


async def test_channel_broadcast_in_a_mention_never_reaches_a_message(bot: Bot) -> None:
    """`<!channel>`, `<!here>` and user mentions in a question reach neither the retriever nor the reply as markup."""
    await bot.post(event_body(mention_event("<!channel> <!here> <@U0002> why did IBM quit?")))
    [post] = await bot.wait_for("chat.postMessage")
    assert bot.retriever.asked == ["@channel @here @someone why did IBM quit?"]  # Slack names nobody: someone
    assert "<!" not in json.dumps(post.payload)
    assert "<@" not in json.dumps(post.payload)


async def test_rate_limit_answers_privately_and_stops_asking(bot: Bot) -> None:
    """Past RATE_LIMIT_COUNT questions, the asker gets an ephemeral notice and the retriever is not called."""
    for n in range(4):
        await bot.post(event_body(mention_event(f"question {n}", ts=f"{n}.0"), event_id=f"Ev{n}"))
    [notice] = await bot.wait_for("chat.postEphemeral")
    await bot.wait_for("chat.postMessage", 3)
    assert notice.payload["user"] == "U0001"
    assert "please try again in" in notice.payload["text"]
    assert len(bot.retriever.asked) == 3


async def test_empty_mention_gets_a_private_hint(bot: Bot) -> None:
    """A bare mention gets the empty-question sentence ephemerally, not a public reply."""
    await bot.post(event_body(mention_event("")))
    [notice] = await bot.wait_for("chat.postEphemeral")
    await bot.post(event_body(mention_event("And then?", ts="2.0"), event_id="EvMarker"))  # a marker
    await bot.wait_for("chat.postMessage")
    await bot.idle()
    [post] = bot.slack.of("chat.postMessage")
    assert notice.payload["text"] == wording.EMPTY_QUESTION
    assert post.payload["thread_ts"] == "2.0"  # the only public message is the marker's answer


async def test_unexpected_failure_is_logged_and_apologised_for(bot: Bot, caplog: pytest.LogCaptureFixture) -> None:
    """An unexpected error: a traceback in the log, a short apology to the asker only."""
    with caplog.at_level(logging.ERROR, logger="bot.core.pipeline"):
        await bot.post(event_body(mention_event("explode")))
        [notice] = await bot.wait_for("chat.postEphemeral")
    assert notice.payload["text"] == wording.APOLOGY
    assert any(r.exc_info for r in caplog.records if r.name == "bot.core.pipeline")


async def test_one_log_line_per_question_without_its_text(bot: Bot, caplog: pytest.LogCaptureFixture) -> None:
    """Each question logs channel, latency and outcome at INFO, never the question, the asker or a token."""
    with caplog.at_level(logging.DEBUG):
        await bot.post(event_body(mention_event("Why did IBM quit secretly?")))
        await bot.wait_for("chat.postMessage")
        async with asyncio.timeout(10):
            await bot.pipeline.idle()  # the line is written once the answer is delivered
    ours = [r.getMessage() for r in caplog.records if r.name == "bot.core.pipeline" and r.levelno == logging.INFO]
    assert len(ours) == 1
    assert ours[0].startswith(
        "question platform=slack via=event guild=T0001 channel=C0001 outcome=answered latency_ms="
    )
    assert "U0001" not in ours[0]
    info = [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO]
    assert not any("secretly" in m or BOT_TOKEN in m or SECRET in m for m in info)


# --- slash commands ----------------------------------------------------------------------------------


async def test_ask_command_acks_at_once_and_responds_ephemerally(bot: Bot) -> None:
    """/ask is acknowledged with an empty 200 (in Slack's 3 s, or the fake gives up), then answered ephemerally."""
    status, body, _ = await bot.post(
        command_body("/ask", "Why did IBM quit?", bot.slack.response_url("a1")), content_type=FORM
    )
    assert (status, body) == (200, "")
    [reply] = await bot.wait_for("respond", key="a1")
    assert reply.payload["response_type"] == "ephemeral"
    assert CITATION in _blocks_text(reply)
    assert "Asked: Why did IBM quit?" in _blocks_text(reply)


async def test_ask_command_in_channel_when_not_ephemeral(slack: FakeSlack) -> None:
    """With SLACK_ASK_EPHEMERAL=false the /ask answer is posted for the whole channel."""
    started = await start(slack, settings(slack_ask_ephemeral=False))
    try:
        await started.post(command_body("/ask", "Why did IBM quit?", slack.response_url("b1")), content_type=FORM)
        [reply] = await started.wait_for("respond", key="b1")
    finally:
        await started.close()
    assert reply.payload["response_type"] == "in_channel"


async def test_quote_command_responds_with_speaker_and_citation(bot: Bot) -> None:
    """/quote answers with the quotation, its speaker and its citation."""
    await bot.post(command_body("/quote", "surveillance", bot.slack.response_url("q1")), content_type=FORM)
    [reply] = await bot.wait_for("respond", key="q1")
    shown = _blocks_text(reply)
    assert f"“{QUOTE}”" in shown
    assert "— Arvind Krishna" in shown
    assert "[1] IBM quits facial recognition, ¶6" in shown


async def test_command_broadcast_is_escaped(bot: Bot) -> None:
    """`<!channel>` in a /quote topic is echoed harmlessly, never as a broadcast."""
    await bot.post(command_body("/quote", "<!channel> sourdough", bot.slack.response_url("q2")), content_type=FORM)
    [reply] = await bot.wait_for("respond", key="q2")
    dumped = json.dumps(reply.payload, ensure_ascii=False)
    assert "<!channel>" not in dumped
    assert "@\u2060channel sourdough" in dumped


async def test_empty_ask_command_gets_the_empty_question_sentence(bot: Bot) -> None:
    """/ask with no text answers, ephemerally, that the question is empty."""
    await bot.post(command_body("/ask", "  ", bot.slack.response_url("e1")), content_type=FORM)
    [reply] = await bot.wait_for("respond", key="e1")
    assert reply.payload["text"] == wording.EMPTY_QUESTION
    assert reply.payload["response_type"] == "ephemeral"


# --- request verification ----------------------------------------------------------------------------


async def test_bad_signature_is_rejected_and_nothing_is_answered(bot: Bot) -> None:
    """A request signed with the wrong secret gets 401 and is never answered (nor asked)."""
    status, _, _ = await bot.post(event_body(mention_event("Why did IBM quit?")), secret="wrong")
    cmd_status, _, _ = await bot.post(
        command_body("/ask", "hi", bot.slack.response_url("x")), content_type=FORM, secret="wrong"
    )
    assert (status, cmd_status) == (401, 401)
    await bot.post(event_body(mention_event("And then?", ts="2.0"), event_id="EvMarker"))  # a marker, signed right
    await bot.wait_for("chat.postMessage")
    await bot.idle()
    answers = [(c.method, c.payload.get("thread_ts")) for c in bot.slack.calls if c.method != "auth.test"]
    assert answers == [("chat.postMessage", "2.0")]  # (bolt checks who it is with auth.test for the marker)
    assert bot.retriever.asked == ["And then?"]


async def test_stale_timestamp_is_rejected(bot: Bot) -> None:
    """A correctly signed request older than five minutes (a replay) gets 401."""
    status, _, _ = await bot.post(event_body(mention_event("hi")), timestamp=int(time.time()) - 600)
    assert status == 401


async def test_url_verification_challenge_is_answered(bot: Bot) -> None:
    """Slack's url_verification handshake gets its challenge back, so the Request URL can be saved."""
    status, body, _ = await bot.post(json.dumps({"type": "url_verification", "challenge": "c-123", "token": "t"}))
    assert status == 200
    assert json.loads(body) == {"challenge": "c-123"}


# --- pure helpers ------------------------------------------------------------------------------------


def test_seen_events_forget_after_their_time() -> None:
    """An event id is a duplicate within the TTL and new again after it."""
    now = [0.0]
    seen = SeenEvents(ttl=60, clock=lambda: now[0])
    assert seen.first_time("Ev1")
    assert not seen.first_time("Ev1")
    now[0] = 61
    assert seen.first_time("Ev1")


@pytest.mark.parametrize(
    ("change", "answered"),
    [
        ({}, True),
        ({"channel": "C0099"}, False),
        ({"subtype": "message_changed"}, False),
        ({"subtype": "file_share", "files": [FILE]}, True),
        ({"subtype": "file_share", "files": [FILE], "text": ""}, False),
        ({"subtype": "channel_join"}, False),
        ({"subtype": "bot_message"}, False),
        ({"bot_id": "B1"}, False),
        ({"thread_ts": "1.0"}, False),
        ({"text": f"<@{BOT_USER}> hi"}, False),
    ],
)
def test_which_channel_messages_are_questions(change: dict[str, Any], answered: bool) -> None:
    """Only people's new top-level messages in SLACK_CHANNELS that do not mention the bot are questions."""
    event = message_event("hi", channel="C0042", ts="2.0") | change
    assert is_channel_question(event, frozenset({"C0042"}), BOT_USER) is answered


# --- settings ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "needle"),
    [
        ({"slack_bot_token": None}, "SLACK_BOT_TOKEN is not set"),
        ({"slack_bot_token": "xoxp-user"}, "starting with xoxb-"),
        ({"slack_signing_secret": None}, "set SLACK_APP_TOKEN (xapp-..., Socket Mode) or SLACK_SIGNING_SECRET"),
        ({"slack_app_token": "xoxb-wrong"}, "starting with xapp-"),
    ],
)
def test_missing_or_wrong_tokens_are_config_errors(overrides: dict[str, Any], needle: str) -> None:
    """Each missing or misplaced token is a ConfigError naming it."""
    with pytest.raises(ConfigError, match=None) as caught:
        check_settings(settings(**overrides))
    assert needle in str(caught.value)


def test_app_token_selects_socket_mode() -> None:
    """SLACK_APP_TOKEN set means Socket Mode; without it, HTTP with the signing secret."""
    assert check_settings(settings(slack_app_token="xapp-1", slack_signing_secret=None)).socket_mode
    assert not check_settings(settings()).socket_mode


@pytest.mark.process
def test_cli_without_tokens_exits_2_with_one_line(tmp_path: Path) -> None:
    """`python -m bot slack` with no Slack tokens prints one clear line and exits 2, before loading anything."""
    done = run_bot("slack", cwd=tmp_path, drop_prefix="SLACK_", timeout=30)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "ConfigError: SLACK_BOT_TOKEN is not set: copy the Bot User OAuth Token (xoxb-...) from your Slack app's "
        "OAuth & Permissions page into .env (see docs/slack.md)"
    ]
    assert done.stdout == ""


# --- serving: Socket Mode and start-up ---------------------------------------------------------------


async def test_socket_mode_answers_once_and_stops_cleanly(slack: FakeSlack, tmp_path: Path) -> None:
    """Over Socket Mode a mention and /ask are acked and answered, a retried envelope once; stop removes the health file."""
    health = tmp_path / "health"
    config = settings(
        slack_app_token=APP_TOKEN, slack_signing_secret=None, slack_api_base=slack.api_base, health_file=health
    )
    retriever = FakeRetriever()
    stop = asyncio.Event()
    serving = asyncio.create_task(serve(config, check_settings(config), fake_pipeline(retriever), stop))
    try:
        await asyncio.to_thread(slack.wait_for, "socket_connect")
        event = json.loads(event_body(mention_event("Why did IBM quit?", ts="7.0"), event_id="EvS1"))
        await asyncio.to_thread(slack.send_envelope, envelope("events_api", event, "env-1"))
        await asyncio.to_thread(slack.send_envelope, envelope("events_api", event, "env-2", retry_attempt=1))
        command = dict(urllib.parse.parse_qsl(command_body("/ask", "Why did IBM quit?", slack.response_url("s1"))))
        await asyncio.to_thread(slack.send_envelope, envelope("slash_commands", command, "env-3"))
        [post] = await asyncio.to_thread(slack.wait_for, "chat.postMessage")
        [reply] = await asyncio.to_thread(slack.wait_for, "respond", key="s1")
        acks = await asyncio.to_thread(slack.wait_for, "socket_ack", 3)
        assert health.exists()
    finally:
        stop.set()
        assert await asyncio.wait_for(serving, 15) == 0
    assert post.payload["thread_ts"] == "7.0"
    assert CITATION in _blocks_text(post)
    assert CITATION in _blocks_text(reply)
    assert {a.payload["envelope_id"] for a in acks} == {"env-1", "env-2", "env-3"}
    assert len(slack.of("chat.postMessage")) == 1
    assert retriever.asked == ["Why did IBM quit?", "Why did IBM quit?"]  # the mention and /ask, not the retry
    assert not health.exists()


@pytest.mark.parametrize(
    ("overrides", "needle"),
    [
        ({"slack_bot_token": "xoxb-revoked"}, "Slack refused SLACK_BOT_TOKEN (invalid_auth)"),
        (
            {"slack_app_token": "xapp-revoked", "slack_signing_secret": None},
            "Slack refused SLACK_APP_TOKEN (invalid_auth)",
        ),
    ],
)
async def test_refused_token_is_a_config_error(slack: FakeSlack, overrides: dict[str, Any], needle: str) -> None:
    """A token Slack refuses stops start-up with a ConfigError naming it, before anything is served."""
    config = settings(slack_api_base=slack.api_base, **overrides)
    pipeline = fake_pipeline()
    with pytest.raises(ConfigError) as caught:
        await serve(config, check_settings(config), pipeline, asyncio.Event())
    assert needle in str(caught.value)
    assert slack.of("chat.postMessage") == []
