"""End to end: the real discord.py client of ``python -m bot discord`` against a local fake Discord.

One bot process serves the whole module (start-up loads the model); tests use distinct
user ids so the per-user rate limit only bites where a test wants it to. It runs with
``REPLY_IN_THREADS=false``, so every answer here is an inline reply; answers in threads,
follow-ups and the buttons are tested in test_conversations.py.
"""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Iterator

import pytest

from tests.discord.harness import BotProcess
from tests.fake_discord import (
    ASK_ID,
    BOT_ID,
    EPHEMERAL,
    GENERAL_ID,
    MESSAGE_CONTENT_INTENT,
    MOD_ROLE_ID,
    TOKEN,
    FakeDiscord,
)

pytestmark = pytest.mark.timeout(180)

ANSWERED = "Why did IBM quit facial recognition?"
OUT_OF_SCOPE = "How do I bake sourdough bread?"
CITATION = re.compile(r"^\\?\[1\\?\] .+, ¶\d+$", re.MULTILINE)
_users = itertools.count(710000000000000000)


def new_user() -> int:
    return next(_users)


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeDiscord]:
    with FakeDiscord(heartbeat_interval=1.0) as server:
        yield server


@pytest.fixture(scope="module")
def bot(fake: FakeDiscord, tmp_path_factory: pytest.TempPathFactory) -> Iterator[BotProcess]:
    process = BotProcess(fake, tmp_path_factory.mktemp("discord"), REPLY_IN_THREADS="false")
    try:
        process.ready_after = process.wait_ready()  # type: ignore[attr-defined]
        yield process
    finally:
        if process.process.poll() is None:
            process.stop()


@pytest.fixture(scope="module")
def wrong_token(fake: FakeDiscord, bot: BotProcess, tmp_path_factory: pytest.TempPathFactory) -> Iterator[BotProcess]:
    """A second process with a token Discord rejects, started once the index exists, checked at the end."""
    folder = tmp_path_factory.mktemp("wrong-token")
    process = BotProcess(
        fake, folder, DISCORD_TOKEN="not-the-token", INDEX_DIR=bot.env["INDEX_DIR"], SEEDS_DIR=bot.env["SEEDS_DIR"]
    )
    yield process
    if process.process.poll() is None:
        process.stop()


def ask_by_mention(fake: FakeDiscord, question: str, **kwargs: int) -> int:
    return fake.send_message(question, mention_bot=True, user_id=kwargs.pop("user_id", new_user()), **kwargs)


def test_ready_with_commands_synced_and_content_intent(
    fake: FakeDiscord, bot: BotProcess, wrong_token: BotProcess
) -> None:
    """The bot identifies with Message Content, syncs /ask /quote /sources /help (every option described), touches HEALTH_FILE."""
    assert fake.identify is not None
    assert fake.identify["intents"] & MESSAGE_CONTENT_INTENT
    assert fake.gateway_query["encoding"] == "json"
    assert {c["name"] for c in fake.commands} == {"ask", "quote", "sources", "help"}
    for command in fake.commands:
        assert command["description"] and command["description"] != "…", command["name"]
        for option in command.get("options", []):
            assert option["description"] and option["description"] != "…", (command["name"], option["name"])
    assert bot.health_file.exists()
    assert time.time() - bot.health_file.stat().st_mtime < 90


def test_mention_gets_exactly_one_reply_with_citation(fake: FakeDiscord, bot: BotProcess) -> None:
    """A mention with a question gets one reply, to that message, with the bold answering sentence and a [1] citation."""
    mid = ask_by_mention(fake, ANSWERED)
    reply = fake.wait_for_reply(mid)
    assert reply.channel_id == GENERAL_ID
    assert "**" in reply.content
    assert CITATION.search(reply.content), reply.content
    assert any(channel == GENERAL_ID and at <= reply.at for channel, at in fake.typing)
    time.sleep(0.5)
    assert len(fake.replies_to(mid)) == 1


def test_without_threads_a_mention_is_answered_inline_and_no_thread_is_started(
    fake: FakeDiscord, bot: BotProcess
) -> None:
    """With REPLY_IN_THREADS=false the answer is a reply in the channel, with its buttons, and no thread is started."""
    mid = ask_by_mention(fake, ANSWERED)
    reply = fake.wait_for_reply(mid)
    assert reply.channel_id == GENERAL_ID
    assert CITATION.search(reply.content), reply.content
    assert any(c.startswith("vote:") for c in reply.custom_ids)
    assert mid not in fake.channels
    assert not [r for r in fake.requests if r[1].endswith(f"/messages/{mid}/threads")]


def test_message_in_ask_channel_is_answered_without_mention(fake: FakeDiscord, bot: BotProcess) -> None:
    """A plain message in an ASK_CHANNELS channel is answered with a citation."""
    mid = fake.send_message(ANSWERED, channel_id=ASK_ID, user_id=new_user())
    reply = fake.wait_for_reply(mid)
    assert reply.channel_id == ASK_ID
    assert CITATION.search(reply.content), reply.content


def test_other_channels_bots_and_itself_are_ignored(fake: FakeDiscord, bot: BotProcess) -> None:
    """No reply to an unmentioned message outside ASK_CHANNELS, to another bot, or to the bot's own message."""
    ignored = [
        fake.send_message(ANSWERED, channel_id=GENERAL_ID, user_id=new_user()),
        fake.send_message(ANSWERED, channel_id=ASK_ID, user_id=new_user(), author_is_bot=True),
        fake.send_message(ANSWERED, channel_id=ASK_ID, user_id=BOT_ID, author_is_bot=True),
    ]
    barrier = ask_by_mention(fake, ANSWERED)  # answered after the ones above were seen
    fake.wait_for_reply(barrier)
    time.sleep(0.3)
    assert [fake.replies_to(mid) for mid in ignored] == [[], [], []]


def test_bare_mention_gets_a_one_line_hint(fake: FakeDiscord, bot: BotProcess) -> None:
    """A mention without a question is answered with a one-line hint naming /ask."""
    mid = fake.send_message("", mention_bot=True, user_id=new_user())
    reply = fake.wait_for_reply(mid)
    assert "\n" not in reply.content
    assert "/ask" in reply.content


def test_out_of_scope_question_abstains_plainly(fake: FakeDiscord, bot: BotProcess) -> None:
    """A question the article does not answer gets "The article doesn't say ..." and no quoted passage or citation."""
    reply = fake.wait_for_reply(ask_by_mention(fake, OUT_OF_SCOPE))
    assert reply.content.startswith("The article doesn't say")
    assert not CITATION.search(reply.content)
    assert ">" not in reply.content


def test_slash_ask_defers_then_follows_up(fake: FakeDiscord, bot: BotProcess) -> None:
    """/ask is acknowledged with a deferral inside 3 s, then answered in a public follow-up with a citation."""
    iid = fake.send_command("ask", {"question": ANSWERED}, user_id=new_user())
    answer = fake.wait_for_answer(iid)
    callback, *_ = fake.responses_to(iid)
    interaction = fake.interactions[iid]
    assert callback.kind == "callback" and interaction.ack_type == 5
    assert interaction.acked_at is not None and interaction.acked_at - interaction.dispatched_at < 3
    assert answer.kind in ("followup", "edit")
    assert not answer.flags & EPHEMERAL
    assert CITATION.search(answer.content), answer.content


def test_slash_ask_private_is_ephemeral(fake: FakeDiscord, bot: BotProcess) -> None:
    """/ask private:true defers and answers with the ephemeral flag (64)."""
    iid = fake.send_command("ask", {"question": ANSWERED, "private": True}, user_id=new_user())
    answer = fake.wait_for_answer(iid)
    callback = fake.responses_to(iid)[0]
    assert callback.flags & EPHEMERAL
    assert answer.flags & EPHEMERAL
    assert CITATION.search(answer.content)


def test_slash_quote_gives_verbatim_quotations_with_speaker(fake: FakeDiscord, bot: BotProcess) -> None:
    """/quote answers with a quotation in quotation marks, a speaker line and a citation."""
    iid = fake.send_command("quote", {"topic": "facial recognition"}, user_id=new_user())
    answer = fake.wait_for_answer(iid)
    assert "“" in answer.content
    assert re.search(r"^— .+ · \\?\[1\\?\] .+, ¶\d+$", answer.content, re.MULTILINE), answer.content


def test_quote_autocomplete_offers_at_most_25_topics(fake: FakeDiscord, bot: BotProcess) -> None:
    """Autocomplete on /quote topic is answered in time with at most 25 choices of at most 100 characters."""
    iid = fake.send_command("quote", {"topic": "fa"}, focused="topic", user_id=new_user())
    fake.wait_until(lambda: fake.interactions[iid].acked_at, what="the autocomplete answer")
    callback = fake.responses_to(iid)[0]
    assert callback.payload["type"] == 8
    choices = callback.payload["data"]["choices"]
    assert isinstance(choices, list) and len(choices) <= 25
    assert all(0 < len(c["name"]) <= 100 and 0 < len(c["value"]) <= 100 for c in choices)


def test_slash_sources_shows_the_index(fake: FakeDiscord, bot: BotProcess) -> None:
    """/sources answers at once with an embed of documents, paragraphs, chunks, model and index age."""
    iid = fake.send_command("sources", user_id=new_user())
    answer = fake.wait_for_answer(iid)
    assert answer.kind == "callback"
    (embed,) = answer.embeds
    assert "000_a7265f2ac828b9b1.txt" in embed["description"]
    names = {f["name"]: f["value"] for f in embed["fields"]}
    assert int(names["Paragraphs"]) > 0 and int(names["Chunks"]) > 0
    assert "MiniLM" in names["Model"]
    assert "ago" in names["Index built"] or "just now" in names["Index built"]


def test_slash_help_is_ephemeral(fake: FakeDiscord, bot: BotProcess) -> None:
    """/help answers at once, only to the asker, naming the commands."""
    iid = fake.send_command("help", user_id=new_user())
    answer = fake.wait_for_answer(iid)
    assert answer.flags & EPHEMERAL
    assert "/ask" in answer.content and "/quote" in answer.content and "/sources" in answer.content


def test_everyone_and_role_mentions_ping_no_one(fake: FakeDiscord, bot: BotProcess) -> None:
    """A question holding @everyone and a role mention is answered with allowed_mentions parsing nothing."""
    mid = ask_by_mention(fake, f"@everyone <@&{MOD_ROLE_ID}> {ANSWERED}")
    reply = fake.wait_for_reply(mid)
    assert reply.allowed_mentions is not None
    assert reply.allowed_mentions.get("parse") == []
    assert not reply.allowed_mentions.get("users") and not reply.allowed_mentions.get("roles")
    assert not reply.allowed_mentions.get("replied_user")
    assert "@everyone" not in reply.content


def test_rate_limit_answers_the_excess_politely(fake: FakeDiscord, bot: BotProcess) -> None:
    """A user's 6th question within 30 s gets a "try again" notice instead of an answer; /ask gets it ephemeral."""
    user = new_user()
    mids = [ask_by_mention(fake, f"{ANSWERED} ({i})", user_id=user) for i in range(6)]
    replies = [fake.wait_for_reply(mid) for mid in mids]
    limited = [r for r in replies if "try again" in r.content]
    assert len(limited) == 1
    assert sum(bool(CITATION.search(r.content)) for r in replies) == 5
    iid = fake.send_command("ask", {"question": ANSWERED}, user_id=user)
    notice = fake.wait_for_answer(iid)
    assert notice.kind == "callback" and notice.flags & EPHEMERAL
    assert "try again" in notice.content


def test_ten_thousand_character_question_fits(fake: FakeDiscord, bot: BotProcess) -> None:
    """A 10,000-character question is answered within 2,000 characters, with a note that it was shortened."""
    question = (ANSWERED + " ") * (10_000 // (len(ANSWERED) + 1))
    question = question.ljust(10_000, "x")
    since = time.monotonic()
    reply = fake.wait_for_reply(fake.send_message(question, channel_id=ASK_ID, user_id=new_user()))
    assert 0 < len(reply.content) <= 2000
    assert re.search(r"^-# ", reply.content, re.MULTILINE), reply.content
    assert fake.rejected_since(since) == []


def test_fifty_questions_at_once_each_answered_once_with_heartbeat_on_time(fake: FakeDiscord, bot: BotProcess) -> None:
    """50 questions sent together get exactly one reply each, and the gateway heartbeat is answered promptly throughout."""
    questions = [(f"{ANSWERED} #{i}" if i % 5 else f"{OUT_OF_SCOPE} #{i}", new_user()) for i in range(50)]
    fake.probe_latencies.clear()
    beats_before = len(fake.heartbeats)
    since = time.monotonic()
    mids = fake.send_messages(questions, channel_id=ASK_ID)
    deadline = time.monotonic() + 60
    while not all(fake.replies_to(mid) for mid in mids) and time.monotonic() < deadline:
        fake.probe()
        time.sleep(0.1)
    time.sleep(0.5)
    counts = [len(fake.replies_to(mid)) for mid in mids]
    assert counts == [1] * 50
    # The wrong-token process is refused (401) on purpose, and now starts fast enough to be
    # refused while these questions are answered: only the bot's own requests count here.
    assert [r for r in fake.rejected_since(since) if r.status != 401] == []
    assert fake.probe_latencies and max(fake.probe_latencies) < 0.5, fake.probe_latencies
    beats = list(fake.heartbeats[beats_before:])
    gaps = [b - a for a, b in itertools.pairwise(beats)]
    assert max(gaps, default=0) < fake.heartbeat_interval + 0.5


def test_rejected_token_exits_2_with_one_clear_line(fake: FakeDiscord, wrong_token: BotProcess) -> None:
    """A token Discord rejects ends the process with status 2 and one ConfigError line naming DISCORD_TOKEN."""
    assert wrong_token.wait(90) == 2
    lines = wrong_token.log().strip().splitlines()
    assert lines[-1].startswith("ConfigError: Discord rejected DISCORD_TOKEN")
    assert "Traceback" not in wrong_token.log()


def test_every_message_pinged_no_one_and_discord_refused_nothing(fake: FakeDiscord, bot: BotProcess) -> None:
    """Over the whole session, every message payload had allowed_mentions parse [] and no request was refused."""
    refused = [r for r in fake.rejected if r.status != 401]  # the wrong-token process is refused on purpose
    assert refused == []
    payloads = [s for s in fake.sent if s.content or s.embeds]
    assert len(payloads) > 60
    assert all(s.allowed_mentions is not None and s.allowed_mentions.get("parse") == [] for s in payloads)


def test_sigterm_shuts_down_cleanly_with_quiet_logs(fake: FakeDiscord, bot: BotProcess) -> None:
    """SIGTERM exits 0 and removes HEALTH_FILE; the log has one line per question and never the token or a question."""
    assert bot.stop() == 0
    assert not bot.health_file.exists()
    log = bot.log()
    assert TOKEN not in log
    assert "bake sourdough" not in log and "IBM quit" not in log
    assert "Traceback" not in log
    question_lines = [line for line in log.splitlines() if " question platform=discord " in line]
    assert len(question_lines) >= 60
    assert all("guild=" in line and "channel=" in line and "latency_ms=" in line for line in question_lines)
    assert all(" user" not in line for line in question_lines)
