"""End to end: the real discord.py client of ``python -m bot discord`` against a local fake Discord.

One bot process serves the whole module (start-up loads the model). Each test uses user
ids of its own (so the per-user rate limit only bites where a test wants it to) and looks
only at its own traffic (:meth:`FakeDiscord.watch`), so the tests pass in any order. The
test that stops a bot starts its own, with a fake Discord of its own. (A token Discord
refuses is tested in test_cli.py.) Both run with ``REPLY_IN_THREADS=false``, so every
answer here is an inline reply; answers in threads, follow-ups and the buttons are
tested in test_conversations.py.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.core import wording
from bot.core.health import check
from bot.core.settings import Settings
from tests.discord.harness import ARTICLE, BotProcess, module_fake, running, user_ids
from tests.fake_discord import (
    ASK_ID,
    BOT_ID,
    EPHEMERAL,
    GENERAL_ID,
    MESSAGE_CONTENT_INTENT,
    MOD_ROLE_ID,
    TOKEN,
    FakeDiscord,
    Traffic,
)
from tests.prebuilt import Prebuilt

pytestmark = [pytest.mark.timeout(180), pytest.mark.model, pytest.mark.process]

ANSWERED = "Why did IBM quit facial recognition?"
OUT_OF_SCOPE = "How do I bake sourdough bread?"
CITATION = re.compile(r"^\\?\[1\\?\] .+, ¶\d+$", re.MULTILINE)
new_user = user_ids(710000000000000000)


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeDiscord]:
    """The fake Discord the module's bot is connected to."""
    yield from module_fake()


@pytest.fixture(scope="module")
def bot(fake: FakeDiscord, tmp_path_factory: pytest.TempPathFactory, prebuilt: Prebuilt) -> Iterator[BotProcess]:
    folder = tmp_path_factory.mktemp("discord")
    prebuilt.copy(folder, ARTICLE)  # the run's article index: the bot starts without building
    process = BotProcess(fake, folder, REPLY_IN_THREADS="false")
    yield from running(process)


@pytest.fixture
def traffic(fake: FakeDiscord, bot: BotProcess) -> Traffic:
    """This test's own messages and interactions, and what the bot sent or had refused for them."""
    return fake.watch()


@contextlib.contextmanager
def own_bot(bot: BotProcess, folder: Path) -> Iterator[tuple[FakeDiscord, BotProcess]]:
    """A bot process of its own, on a fake Discord of its own, reading the module bot's index (no second build)."""
    with FakeDiscord(heartbeat_interval=1.0) as fake:
        process = BotProcess(
            fake, folder, INDEX_DIR=bot.env["INDEX_DIR"], SEEDS_DIR=bot.env["SEEDS_DIR"], REPLY_IN_THREADS="false"
        )
        try:
            yield fake, process
        finally:
            process.stop()


def ask_by_mention(fake: FakeDiscord, question: str, **kwargs: int) -> int:
    return fake.send_message(question, mention_bot=True, user_id=kwargs.pop("user_id", new_user()), **kwargs)


def marker(fake: FakeDiscord) -> None:
    """Ask one more question and wait for its reply.

    The gateway delivers events in order and the bot handles them in order, so once this
    reply is in, a reply to anything sent before it would have been sent already.
    """
    fake.wait_for_reply(ask_by_mention(fake, ANSWERED))


def health(bot: BotProcess) -> tuple[bool, str]:
    """What `python -m bot health` would say about the bot's health file and index."""
    settings = Settings(_env_file=None, index_dir=Path(bot.env["INDEX_DIR"]), health_file=bot.health_file)  # type: ignore[call-arg]
    return check(settings)


def test_ready_with_commands_synced_and_content_intent(fake: FakeDiscord, bot: BotProcess) -> None:
    """The bot identifies with Message Content, syncs /ask /quote /sources /help (every option described), is healthy."""
    assert fake.identify is not None
    assert fake.identify["intents"] & MESSAGE_CONTENT_INTENT
    assert fake.gateway_query["encoding"] == "json"
    assert {c["name"] for c in fake.commands} == {"ask", "quote", "sources", "help", "source", "report", "config"}
    for command in fake.commands:
        assert command["description"] and command["description"] != "…", command["name"]
        for option in command.get("options", []):
            assert option["description"] and option["description"] != "…", (command["name"], option["name"])
    healthy, why = health(bot)
    assert healthy, why
    assert "Event loop: uvloop" in bot.log()  # EVENT_LOOP's default; these tests run on it


def test_mention_gets_exactly_one_reply_with_citation(fake: FakeDiscord, traffic: Traffic) -> None:
    """A mention with a question gets one reply, to that message, with the bold answering sentence and a [1] citation."""
    mid = ask_by_mention(fake, ANSWERED)
    reply = fake.wait_for_reply(mid)
    assert reply.channel_id == GENERAL_ID
    assert "**" in reply.content
    assert CITATION.search(reply.content), reply.content
    marker(fake)
    assert len(fake.replies_to(mid)) == 1
    assert traffic.rejected() == []


def test_without_threads_a_mention_is_answered_inline_and_no_thread_is_started(
    fake: FakeDiscord, traffic: Traffic
) -> None:
    """With REPLY_IN_THREADS=false the answer is a reply in the channel, with its buttons, and no thread is started."""
    mid = ask_by_mention(fake, ANSWERED)
    reply = fake.wait_for_reply(mid)
    assert reply.channel_id == GENERAL_ID
    assert CITATION.search(reply.content), reply.content
    assert any(c.startswith("vote:") for c in reply.custom_ids)
    assert mid not in fake.channels
    assert not [r for r in fake.requests if r[1].endswith(f"/messages/{mid}/threads")]
    assert traffic.rejected() == []


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
    marker(fake)  # answered after the ones above were seen
    assert [fake.replies_to(mid) for mid in ignored] == [[], [], []]


def test_bare_mention_gets_a_one_line_hint(fake: FakeDiscord, bot: BotProcess) -> None:
    """A mention without a question is answered with a one-line hint naming /ask, in which the bot's own mention
    shows as its name and `/ask` as code (the bot's words are not escaped as a user's would be)."""
    mid = fake.send_message("", mention_bot=True, user_id=new_user())
    reply = fake.wait_for_reply(mid)
    assert "\n" not in reply.content
    assert reply.content == wording.mention_hint(f"<@{BOT_ID}>"), reply.content
    assert "`/ask`" in reply.content


def test_out_of_scope_question_abstains_plainly(fake: FakeDiscord, bot: BotProcess) -> None:
    """A question the article does not answer gets "The article doesn't say ..." and no quoted passage or citation."""
    reply = fake.wait_for_reply(ask_by_mention(fake, OUT_OF_SCOPE))
    assert reply.content.startswith("The article doesn't say")
    assert not CITATION.search(reply.content)
    assert ">" not in reply.content


def test_slash_ask_defers_then_follows_up(fake: FakeDiscord, traffic: Traffic) -> None:
    """/ask is acknowledged with a deferral Discord accepts (in its 3 s), then answered in a public follow-up."""
    iid = fake.send_command("ask", {"question": ANSWERED}, user_id=new_user())
    answer = fake.wait_for_answer(iid)
    callback, *_ = fake.responses_to(iid)
    assert callback.kind == "callback" and fake.interactions[iid].ack_type == 5  # accepted: the fake refuses late ones
    assert answer.kind in ("followup", "edit")
    assert not answer.flags & EPHEMERAL
    assert CITATION.search(answer.content), answer.content
    assert traffic.rejected() == []


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


def test_quote_autocomplete_offers_at_most_25_topics(fake: FakeDiscord, traffic: Traffic) -> None:
    """Autocomplete on /quote topic is answered in time (accepted) with at most 25 choices of at most 100 characters."""
    iid = fake.send_command("quote", {"topic": "fa"}, focused="topic", user_id=new_user())
    fake.wait_until(lambda: fake.interactions[iid].acked_at, what="the autocomplete answer")
    callback = fake.responses_to(iid)[0]
    assert callback.payload["type"] == 8
    choices = callback.payload["data"]["choices"]
    assert isinstance(choices, list) and len(choices) <= 25
    assert all(0 < len(c["name"]) <= 100 and 0 < len(c["value"]) <= 100 for c in choices)
    assert traffic.rejected() == []


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


def test_ten_thousand_character_question_fits(fake: FakeDiscord, traffic: Traffic) -> None:
    """A 10,000-character question is answered within 2,000 characters, with a note that it was shortened."""
    question = (ANSWERED + " ") * (10_000 // (len(ANSWERED) + 1))
    question = question.ljust(10_000, "x")
    reply = fake.wait_for_reply(fake.send_message(question, channel_id=ASK_ID, user_id=new_user()))
    assert 0 < len(reply.content) <= 2000
    assert re.search(r"^-# ", reply.content, re.MULTILINE), reply.content
    assert traffic.rejected() == []


def test_fifty_questions_at_once_are_each_answered_once_on_one_connection(fake: FakeDiscord, traffic: Traffic) -> None:
    """50 questions sent together get exactly one reply each, nothing is refused, and the gateway stays connected.

    (How promptly heartbeats are answered under this load is measured by `make bench`.)
    """
    connections = fake.gateway_connections
    questions = [(f"{ANSWERED} #{i}" if i % 5 else f"{OUT_OF_SCOPE} #{i}", new_user()) for i in range(50)]
    mids = fake.send_messages(questions, channel_id=ASK_ID)
    fake.wait_until(lambda: {s.reply_to for s in fake.sent} >= set(mids), 60, "a reply to each of the 50")
    marker(fake)
    assert [len(fake.replies_to(mid)) for mid in mids] == [1] * 50
    assert traffic.rejected() == []
    assert fake.gateway_connections == connections


def test_every_kind_of_message_pings_no_one_and_discord_refuses_none(fake: FakeDiscord, traffic: Traffic) -> None:
    """Replies, notices, hints and every command's responses carry allowed_mentions parse [], and none is refused."""
    user = new_user()
    mids = [ask_by_mention(fake, ANSWERED, user_id=user), fake.send_message("", mention_bot=True, user_id=user)]
    mids += [fake.send_message(OUT_OF_SCOPE, channel_id=ASK_ID, user_id=user)]
    commands = [("ask", {"question": ANSWERED}), ("ask", {"question": ANSWERED, "private": True})]
    commands += [("quote", {"topic": "facial recognition"}), ("sources", {}), ("help", {})]
    iids = [fake.send_command(name, options, user_id=new_user()) for name, options in commands]
    for mid in mids:
        fake.wait_for_reply(mid)
    for iid in iids:
        fake.wait_for_answer(iid)
    payloads = [s for s in traffic.sent() if s.content or s.embeds]
    assert len(payloads) >= len(mids) + len(iids)
    assert all(s.allowed_mentions is not None and s.allowed_mentions.get("parse") == [] for s in payloads)
    assert traffic.rejected() == []


def test_sigterm_shuts_down_cleanly_with_quiet_logs(bot: BotProcess, tmp_path: Path) -> None:
    """SIGTERM exits 0 and removes HEALTH_FILE; the log has one line per question and never the token or a question."""
    with own_bot(bot, tmp_path) as (fake, process):
        process.wait_ready()
        mids = [ask_by_mention(fake, ANSWERED), fake.send_message(OUT_OF_SCOPE, channel_id=ASK_ID, user_id=new_user())]
        for mid in mids:
            fake.wait_for_reply(mid)
        assert process.stop() == 0
    assert not process.health_file.exists()
    log = process.log()
    assert TOKEN not in log
    assert "bake sourdough" not in log and "IBM quit" not in log
    assert "Traceback" not in log
    question_lines = [line for line in log.splitlines() if " question platform=discord " in line]
    assert len(question_lines) == len(mids)
    assert all("guild=" in line and "channel=" in line and "latency_ms=" in line for line in question_lines)
    assert all(" user" not in line for line in question_lines)
