"""Follow-ups in Slack threads, through bolt and its aiohttp adapter, against the fake Slack."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.conversation import MAX_HISTORY, READ_BACK, history_from
from bot.slack import app as app_module
from bot.slack import threads
from bot.slack.threads import MAX_CALLS, PAGE, Me, is_follow_up, read_thread
from tests.fake_slack import BOT_ID, BOT_TOKEN, BOT_USER, FakeSlack, event_body, message_event
from tests.fakes import SENTENCE
from tests.slack.harness import Bot, Finished, start

ME = Me(BOT_USER, BOT_ID)


@pytest.fixture
async def bot(slack: FakeSlack) -> AsyncIterator[Bot]:
    started = await start(slack)
    yield started
    await started.close()


def as_mention(message: dict[str, Any]) -> dict[str, Any]:
    """The ``app_mention`` event Slack sends for a message that mentions the bot."""
    return {k: v for k, v in message.items() if k != "channel_type"} | {"type": "app_mention"}


async def asked_in_a_thread(bot: Bot, question: str, *, channel: str = "C0001") -> str:
    """Mention the bot with ``question`` and wait for its answer; returns the thread's ts."""
    root = bot.slack.said(f"<@{BOT_USER}> {question}", channel=channel)
    await bot.post(event_body(as_mention(root), event_id=f"Ev-{root['ts']}"))
    await bot.wait_for("chat.postMessage", channel=channel, thread_ts=root["ts"])
    return str(root["ts"])


async def say(bot: Bot, text: str, *, channel: str = "C0001", thread_ts: str | None = None, **extra: Any) -> str:
    """A person posts in the channel (or thread): Slack keeps it and sends the message event."""
    event = bot.slack.said(text, channel=channel, thread_ts=thread_ts, **extra)
    await bot.post(event_body(event, event_id=f"Ev-{event['ts']}"))
    return str(event["ts"])


async def marker(bot: Bot, *, channel: str = "C0001") -> None:
    """A later question, answered: every event sent before it has been dealt with by then."""
    ts = await asked_in_a_thread(bot, "marker: why did IBM quit?", channel=channel)
    assert bot.slack.of("chat.postMessage", channel=channel, thread_ts=ts)


# --- which messages are follow-ups --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "follow_up"),
    [
        ({}, True),
        ({"subtype": "thread_broadcast"}, True),
        ({"thread_ts": None}, False),  # a top-level message
        ({"thread_ts": "5.0"}, False),  # the thread's own first message
        ({"subtype": "file_share"}, True),  # a reply with a file attached: its words
        ({"subtype": "file_share", "text": ""}, False),  # a file alone asks nothing
        ({"subtype": "message_changed"}, False),
        ({"subtype": "channel_join"}, False),
        ({"bot_id": "B0THER"}, False),
        ({"user": BOT_USER}, False),
        ({"text": f"<@{BOT_USER}> and when?"}, False),  # a mention: app_mention answers it
        ({"text": f"<@{BOT_USER}> and when?", "channel": "D1", "channel_type": "im"}, True),  # but not in a DM
    ],
)
def test_which_thread_replies_are_follow_ups(change: dict[str, Any], follow_up: bool) -> None:
    """A person's reply in a thread, without a mention, is a follow-up; edits, bots and mentions are not."""
    event = message_event("and when?", ts="5.0", thread_ts="4.0") | change
    assert is_follow_up({k: v for k, v in event.items() if v is not None}, ME) is follow_up


# --- end to end through the app -----------------------------------------------------------------------


async def test_a_reply_in_a_thread_the_bot_answered_is_a_follow_up_with_its_history(bot: Bot) -> None:
    """No mention needed: the follow-up is answered in the thread, asked with the thread's question."""
    thread = await asked_in_a_thread(bot, "Why did IBM quit facial recognition?")
    await say(bot, "When did it write to Congress?", thread_ts=thread)
    answers = await bot.wait_for("chat.postMessage", 2, thread_ts=thread)
    assert f"*{SENTENCE}*" in str(answers[1].payload["blocks"])
    assert bot.retriever.asked == ["Why did IBM quit facial recognition?", "When did it write to Congress?"]
    assert bot.retriever.histories == [(), ("Why did IBM quit facial recognition?",)]
    [read] = bot.slack.of("conversations.replies")
    assert (read.payload["channel"], read.payload["ts"]) == ("C0001", thread)


async def test_a_follow_up_with_a_file_attached_is_answered_and_stays_in_the_history(bot: Bot) -> None:
    """A reply with a file attached (subtype ``file_share``) in the bot's thread is a follow-up like any other, and
    a question of the thread's history after it."""
    thread = await asked_in_a_thread(bot, "Why did IBM quit facial recognition?")
    shared = {"subtype": "file_share", "files": [{"id": "F0001", "name": "letter.pdf"}], "upload": False}
    await say(bot, "When did it write to Congress?", thread_ts=thread, **shared)
    await bot.wait_for("chat.postMessage", 2, thread_ts=thread)
    await say(bot, "To whom?", thread_ts=thread)
    await bot.wait_for("chat.postMessage", 3, thread_ts=thread)
    assert bot.retriever.asked[1:] == ["When did it write to Congress?", "To whom?"]
    assert bot.retriever.histories[-1] == ("Why did IBM quit facial recognition?", "When did it write to Congress?")


async def test_every_earlier_question_of_the_thread_comes_along(bot: Bot) -> None:
    """A third question is asked with the two before it, oldest first, the bot's answers left out."""
    thread = await asked_in_a_thread(bot, "Who is Arvind Krishna?")
    await say(bot, "What did he write?", thread_ts=thread)
    await bot.wait_for("chat.postMessage", 2, thread_ts=thread)
    await say(bot, "To whom?", thread_ts=thread)
    await bot.wait_for("chat.postMessage", 3, thread_ts=thread)
    assert bot.retriever.histories[-1] == ("Who is Arvind Krishna?", "What did he write?")


async def test_a_reply_in_a_thread_the_bot_did_not_answer_is_ignored(bot: Bot, monkeypatch: pytest.MonkeyPatch) -> None:
    """People talking in their own thread are left alone: nothing is asked, nothing posted there."""
    reads = Finished(monkeypatch, app_module, "read_thread")
    root = await say(bot, "lunch?", channel="C0100")
    await say(bot, "Why did IBM quit facial recognition?", channel="C0100", thread_ts=root)
    await reads.wait(1)
    await bot.idle()
    assert bot.retriever.asked == []
    assert bot.slack.of("chat.postMessage") == []
    [read] = bot.slack.of("conversations.replies")  # it was read, and found not to be the bot's
    assert read.payload["ts"] == root


async def test_a_mention_inside_a_thread_is_answered_once(bot: Bot) -> None:
    """Slack sends app_mention and message for a mention in a thread: one answer, with the thread's question."""
    thread = await asked_in_a_thread(bot, "Why did IBM quit facial recognition?")
    message = bot.slack.said(f"<@{BOT_USER}> When did it write to Congress?", thread_ts=thread)
    await bot.post(event_body(message, event_id="EvAsMessage"))
    await bot.post(event_body(as_mention(message), event_id="EvAsMention"))
    await bot.wait_for("chat.postMessage", 2, thread_ts=thread)
    await marker(bot)
    assert len(bot.slack.of("chat.postMessage", thread_ts=thread)) == 2
    assert bot.retriever.asked.count("When did it write to Congress?") == 1
    assert ("Why did IBM quit facial recognition?",) in bot.retriever.histories


async def test_a_follow_up_in_a_thread_of_200_messages_is_answered(bot: Bot) -> None:
    """The thread is paged through; the newest questions before the follow-up come along, none after it."""
    thread = await asked_in_a_thread(bot, "Why did IBM quit facial recognition?")
    for n in range(197):
        if n % 3 == 2:
            bot_says(bot.slack, f"bot {n}", thread)
        else:
            bot.slack.said(f"remark {n}", thread_ts=thread, user=f"U{n % 7}")
    assert len(bot.slack.thread("C0001", thread)) == 199
    follow_up = await say(bot, "When did it write to Congress?", thread_ts=thread)
    await bot.wait_for("chat.postMessage", 2, thread_ts=thread)
    people = [f"remark {n}" for n in range(197) if n % 3 != 2]
    assert bot.retriever.histories[-1] == tuple(people[-MAX_HISTORY:])
    reads = bot.slack.of("conversations.replies")
    assert len(reads) == 2  # 198 replies before the follow-up, 99 a page besides the first message
    assert all(r.payload["latest"] == follow_up for r in reads)


async def test_a_direct_message_is_a_question_answered_in_a_thread(bot: Bot) -> None:
    """In a direct message with the bot no mention is needed; the answer comes in its thread."""
    ts = await say(bot, "Why did IBM quit facial recognition?", channel="D0001", channel_type="im")
    [answer] = await bot.wait_for("chat.postMessage", channel="D0001")
    assert answer.payload["thread_ts"] == ts
    assert bot.retriever.histories == [()]


async def test_a_mention_in_a_direct_message_is_answered_once(bot: Bot) -> None:
    """In a direct message the message event answers, mention or not; an app_mention there is not answered again."""
    message = bot.slack.said(f"<@{BOT_USER}> Why did IBM quit?", channel="D0002", channel_type="im")
    await bot.post(event_body(as_mention(message), event_id="EvDmMention"))
    await bot.post(event_body(message, event_id="EvDmMessage"))
    await bot.wait_for("chat.postMessage", channel="D0002")
    await bot.idle()  # either listener is in the pipeline before its 200 reaches us
    assert len(bot.slack.of("chat.postMessage", channel="D0002")) == 1
    assert bot.retriever.asked == ["Why did IBM quit?"]


async def test_when_the_thread_cannot_be_read_a_mention_is_answered_alone(bot: Bot) -> None:
    """A thread Slack will not list (a missing scope, say): a mention there is still answered, without history."""
    message = message_event(f"<@{BOT_USER}> Why did IBM quit?", ts="9.5", thread_ts="9.0", channel="C0777")
    await bot.post(event_body(as_mention(message), event_id="EvNoThread"))
    [answer] = await bot.wait_for("chat.postMessage", channel="C0777")
    assert answer.payload["thread_ts"] == "9.0"
    assert bot.retriever.histories == [()]


# --- reading a thread back ---------------------------------------------------------------------------


async def test_reading_keeps_only_the_newest_messages_and_counts_the_first_once(slack: FakeSlack) -> None:
    """The first message, repeated on every page, is counted once; only the newest READ_BACK are kept."""
    root = slack.said("first question")
    for n in range(READ_BACK + 30):
        slack.said(f"q{n}", thread_ts=root["ts"])
    follow_up = slack.said("last", thread_ts=root["ts"])
    client = AsyncWebClient(token=BOT_TOKEN, base_url=slack.api_base)
    read = await read_thread(client, "C0001", root["ts"], follow_up["ts"], ME)
    assert not read.answered
    assert read.history == tuple(f"q{n}" for n in range(READ_BACK + 30 - MAX_HISTORY, READ_BACK + 30))


async def test_a_thread_too_long_to_read_is_answered_without_history(
    bot: Bot, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Past MAX_CALLS calls, no window of the tail read whole: the follow-up is answered, asked alone."""
    monkeypatch.setattr(threads, "MAX_CALLS", 2)
    caplog.set_level(logging.INFO, logger=threads.__name__)
    thread = await asked_in_a_thread(bot, "Why did IBM quit facial recognition?")
    for n in range(250):
        bot.slack.said(f"remark {n}", thread_ts=thread)
    await say(bot, "When did it write to Congress?", thread_ts=thread)
    await bot.wait_for("chat.postMessage", 2, thread_ts=thread)
    assert bot.retriever.histories[-1] == ()
    assert len(bot.slack.of("conversations.replies")) == 2  # the first page; the rest, longer than a page
    assert "asked without history" in caplog.text


# --- long threads: the first page and the tail --------------------------------------------------------


def reference(slack: FakeSlack, thread_ts: str, before: str, *, channel: str = "C0001") -> tuple[str, ...]:
    """The history a reading of the whole thread gives, however long: what the reading must give."""
    messages = [m for m in slack.thread(channel, thread_ts) if Decimal(m["ts"]) < Decimal(before)]
    said = [s for m in messages if (s := threads._said(m, ME)) is not None]
    return history_from(said[-READ_BACK:])


def bot_says(slack: FakeSlack, text: str, thread_ts: str, *, channel: str = "C0001") -> None:
    """The bot's own message in the thread, kept by the fake as Slack would (with its bot_id)."""
    slack._keep(channel, {"type": "message", "user": BOT_USER, "bot_id": BOT_ID, "text": text,
                          "ts": slack.next_ts(), "thread_ts": thread_ts})  # fmt: skip


def long_thread(slack: FakeSlack, replies: int, shape: str, *, channel: str = "C0001") -> tuple[str, str]:
    """A thread the bot answered in its first reply, then ``replies`` more, shaped in time and kind by
    ``shape``; returns its ts and the ts of a follow-up after them."""
    root = slack.said("Why did IBM quit facial recognition?", channel=channel)["ts"]
    bot_says(slack, "Because ...", root, channel=channel)
    for n in range(replies):
        last = replies - n  # how many replies from this one to the end
        pace = {"minute": 60, "hourly": 3600, "burst": 2592 if last > 500 else 1, "instant": 0, "rush, pause": 0}
        slack.pass_time(pace.get(shape, 60))
        if shape == "bots at the end" and last <= 60:
            bot_says(slack, f"bot {n}", root, channel=channel)  # 60 answers fill the newest 50 messages
        elif n % 4 == 3 and shape != "quiet":
            bot_says(slack, f"answer {n}", root, channel=channel)
        else:
            slack.said(f"question {n}" if shape != "quiet" or last <= 3 else "", thread_ts=root, channel=channel)
    slack.pass_time({"instant": 0, "rush, pause": 5 * 3600}.get(shape, 60))
    return root, slack.said("And when?", thread_ts=root, channel=channel)["ts"]


SHAPES = ["instant", "minute", "hourly", "burst", "rush, pause", "bots at the end", "quiet"]


@pytest.mark.parametrize("replies", [1500, 3000])
@pytest.mark.parametrize("shape", SHAPES)
async def test_a_long_thread_gives_the_history_a_whole_reading_would(
    slack: FakeSlack, shape: str, replies: int
) -> None:
    """However the messages lie in time (all in one second, a minute or an hour apart, 30 days then a
    burst, a rush five hours before the follow-up) and whatever the newest are (the bot's, blank), the tail gives the newest questions a
    reading of the whole thread would, the bot's answer at the start counts, and the calls stay in budget."""
    root, follow_up = long_thread(slack, replies, shape)
    client = AsyncWebClient(token=BOT_TOKEN, base_url=slack.api_base)
    read = await read_thread(client, "C0001", root, follow_up, ME)
    assert read.history == reference(slack, root, follow_up)
    assert read.history or shape == "bots at the end"
    assert read.answered
    reads = slack.of("conversations.replies")
    assert 2 <= len(reads) <= MAX_CALLS
    assert all((r.payload["latest"], r.payload["inclusive"]) == (follow_up, "0") for r in reads)


@pytest.mark.parametrize("replies", [250, 980])
@pytest.mark.parametrize("shape", ["instant", "hourly", "rush, pause"])
async def test_a_thread_of_at_most_ten_pages_is_paged_through_a_call_a_page(
    slack: FakeSlack, shape: str, replies: int
) -> None:
    """A thread its first message counts as fitting the calls is read whole, page after page, however its
    messages lie in time: no search of its tail, which could take more calls than the pages."""
    root, follow_up = long_thread(slack, replies, shape)
    client = AsyncWebClient(token=BOT_TOKEN, base_url=slack.api_base)
    read = await read_thread(client, "C0001", root, follow_up, ME)
    assert read == threads.Thread(True, reference(slack, root, follow_up))
    reads = slack.of("conversations.replies")
    assert len(reads) == -(-(replies + 2) // PAGE)  # the first message, the bot's answer, the replies
    assert all("oldest" not in r.payload for r in reads)


async def test_the_bot_answering_only_at_the_start_of_a_long_thread_counts(slack: FakeSlack) -> None:
    """The first message not listing who replied, the bot's answer on the first page is what says it answered."""
    slack.lists_repliers = False
    root, follow_up = long_thread(slack, 1500, "minute")
    client = AsyncWebClient(token=BOT_TOKEN, base_url=slack.api_base)
    read = await read_thread(client, "C0001", root, follow_up, ME)
    assert read == threads.Thread(True, tuple(f"question {n}" for n in (1493, 1494, 1496, 1497, 1498)))


@pytest.mark.parametrize("listed", [True, False])
async def test_the_bot_answering_in_the_middle_of_a_long_thread_is_known_from_the_repliers(
    slack: FakeSlack, listed: bool
) -> None:
    """An answer neither on the first page nor in the tail: the first message's repliers say the bot answered;
    without them the reading cannot know it (and the reply is not taken for a follow-up)."""
    slack.lists_repliers = listed
    root = slack.said("lunch?")["ts"]
    for n in range(1500):
        slack.pass_time(60)
        if n == 700:
            bot_says(slack, "an answer to a mention", root)
        else:
            slack.said(f"remark {n}", thread_ts=root)
    follow_up = slack.said("And when?", thread_ts=root)["ts"]
    client = AsyncWebClient(token=BOT_TOKEN, base_url=slack.api_base)
    read = await read_thread(client, "C0001", root, follow_up, ME)
    assert read == threads.Thread(listed, tuple(f"remark {n}" for n in range(1495, 1500)))


async def test_a_tail_not_found_in_the_calls_gives_the_newest_questions_read(
    slack: FakeSlack, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The calls spent with only a short window read whole: its questions, the newest, are the history."""
    monkeypatch.setattr(threads, "MAX_CALLS", 2)
    root = slack.said("Why did IBM quit?")["ts"]
    bot_says(slack, "Because ...", root)
    for n in range(300):
        slack.pass_time(1200)  # three messages an hour
        slack.said(f"question {n}", thread_ts=root)
    follow_up = slack.said("And when?", thread_ts=root)["ts"]
    client = AsyncWebClient(token=BOT_TOKEN, base_url=slack.api_base)
    with caplog.at_level(logging.INFO, logger=threads.__name__):
        read = await read_thread(client, "C0001", root, follow_up, ME)
    assert read == threads.Thread(True, ("question 297", "question 298", "question 299"))
    assert "asked with its newest 3 messages" in caplog.text
    assert len(slack.of("conversations.replies")) == 2


async def test_a_follow_up_in_a_thread_of_1500_messages_is_asked_with_the_newest_questions(bot: Bot) -> None:
    """Through the app: the bot's answer is at the start, the follow-up's history is the thread's tail."""
    thread = await asked_in_a_thread(bot, "Why did IBM quit facial recognition?")
    for n in range(1500):
        bot.slack.pass_time(60)
        bot.slack.said(f"remark {n}", thread_ts=thread, user=f"U{n % 7}")
    await say(bot, "When did it write to Congress?", thread_ts=thread)
    await bot.wait_for("chat.postMessage", 2, thread_ts=thread)
    assert bot.retriever.histories[-1] == tuple(f"remark {n}" for n in range(1500 - MAX_HISTORY, 1500))
    assert len(bot.slack.of("conversations.replies")) <= MAX_CALLS
