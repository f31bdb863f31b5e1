"""End to end: answers in threads, follow-ups, and the buttons under an answer.

The real discord.py client of the bot, on the real index, against the fake Discord. One
bot process serves the module (``REPLY_IN_THREADS`` at its default, true); it records
what each question reached the retriever with (tests/discord/recording_main.py), so a
follow-up's history is checked where it lands. Votes are read back from the bot's own
SQLite database. The test of buttons across a restart starts processes of its own.
"""

from __future__ import annotations

import asyncio
import re
import shutil
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

import pytest

from bot.core import wording
from bot.core.conversation import MAX_HISTORY, READ_BACK
from bot.db import Database
from tests.discord.harness import ARTICLE, BotProcess, module_fake, running, user_ids
from tests.fake_discord import (
    ASK_ID,
    BOT_ID,
    CREATE_PUBLIC_THREADS,
    EPHEMERAL,
    GENERAL_ID,
    MOD_ROLE_ID,
    PUBLIC_THREAD,
    SEND_MESSAGES_IN_THREADS,
    FakeDiscord,
    Sent,
    Traffic,
    snowflake,
)
from tests.prebuilt import Prebuilt

pytestmark = [pytest.mark.timeout(240), pytest.mark.model, pytest.mark.process]

T = TypeVar("T")
ANSWERED = "Why did IBM quit facial recognition?"
CITATION = re.compile(r"^\\?\[1\\?\] .+, ¶\d+$", re.MULTILINE)
new_user = user_ids(720000000000000000)


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeDiscord]:
    yield from module_fake()


@pytest.fixture(scope="module")
def bot(fake: FakeDiscord, tmp_path_factory: pytest.TempPathFactory, prebuilt: Prebuilt) -> Iterator[BotProcess]:
    folder = tmp_path_factory.mktemp("conversations")
    prebuilt.copy(folder, ARTICLE)  # the run's article index: the bot starts without building
    process = BotProcess(fake, folder, record=True)
    yield from running(process)


@pytest.fixture
def traffic(fake: FakeDiscord, bot: BotProcess) -> Traffic:
    """This test's own messages and interactions, and what the bot sent or had refused for them."""
    return fake.watch()


def ask_by_mention(
    fake: FakeDiscord, question: str, *, user_id: int | None = None, channel_id: int = GENERAL_ID
) -> int:
    return fake.send_message(question, mention_bot=True, user_id=user_id or new_user(), channel_id=channel_id)


def answer_in_thread(fake: FakeDiscord, question: str, *, user_id: int | None = None) -> tuple[int, Sent]:
    """Ask by mention in #general; the thread started on the question and the answer in it."""
    mid = ask_by_mention(fake, question, user_id=user_id)
    fake.wait_for_thread(mid)
    return mid, fake.wait_for_message_in(mid)


def asked_with(bot: BotProcess, question: str) -> list[str]:
    """The history the retriever got with ``question`` (the last time it was asked)."""
    asked = [entry for entry in bot.asked() if entry["question"] == question]
    assert asked, f"{question!r} never reached the retriever"
    return asked[-1]["history"]


def answer_id_of(message: Sent) -> str:
    return next(c for c in message.custom_ids if c.startswith("vote:")).split(":")[1]


def in_database(bot: BotProcess, work: Callable[[Database], Awaitable[T]]) -> T:
    """Read the bot's own database (SQLite in WAL lets a reader in while the bot runs)."""

    async def go() -> T:
        db = await Database.open(f"sqlite+aiosqlite:///{bot.database()}")
        try:
            return await work(db)
        finally:
            await db.close()

    return asyncio.run(go())


def test_a_question_in_a_channel_is_answered_in_a_thread_named_after_it(
    fake: FakeDiscord, bot: BotProcess, traffic: Traffic
) -> None:
    """A mention, and a plain message in an ASK_CHANNELS channel, each get a thread of their own, started on the
    question by the bot and named after it (cut to 100 characters), holding the answer; no reply in the channel."""
    long_question = f"{ANSWERED} " + "And what did the company say about racial profiling and mass surveillance? " * 3
    asked = [ask_by_mention(fake, ANSWERED), fake.send_message(long_question, channel_id=ASK_ID, user_id=new_user())]
    for mid, parent in zip(asked, (GENERAL_ID, ASK_ID), strict=True):
        thread = fake.wait_for_thread(mid)
        assert (thread["type"], thread["parent_id"], thread["owner_id"]) == (PUBLIC_THREAD, str(parent), str(BOT_ID))
        answer = fake.wait_for_message_in(mid)
        assert CITATION.search(answer.content), answer.content
        assert any(c.startswith("vote:") for c in answer.custom_ids)
        assert fake.replies_to(mid) == []
    assert fake.channels[asked[0]]["name"] == ANSWERED
    long_name = fake.channels[asked[1]]["name"]
    assert len(long_name) <= 100 and long_name.endswith("…") and long_question.startswith(long_name[:-1].rstrip())
    assert traffic.rejected() == []


def test_a_thread_is_named_after_the_question_as_people_read_it(
    fake: FakeDiscord, bot: BotProcess, traffic: Traffic
) -> None:
    """A thread's name shows no markup, so a question's mentions name it as Discord shows them (@person, @role,
    #channel, :emoji:) and its markdown is left out, not shown as ``<@7200…>`` or ``**``."""
    person = new_user()
    question = f"<@{person}> **Why** did IBM quit <#{GENERAL_ID}>, asks <@&{MOD_ROLE_ID}> <:ibm:{snowflake()}>?"
    mid = ask_by_mention(fake, question)
    fake.wait_for_message_in(mid)
    assert fake.channels[mid]["name"] == f"@user{person % 1000} Why did IBM quit #general, asks @mods :ibm:?"
    assert traffic.rejected() == []


def test_where_the_bot_cannot_answer_in_a_thread_it_answers_in_the_channel(
    fake: FakeDiscord, bot: BotProcess, traffic: Traffic
) -> None:
    """Where Discord refuses the thread (no Create Public Threads), or starts it but refuses the answer in it (no
    Send Messages in Threads), the question is still answered, with its buttons, as a reply in the channel; the
    thread left empty is archived, its name saying where the answer is (the bot may not delete it)."""
    no_threads, mute_in_threads = fake.add_channel("no-threads"), fake.add_channel("mute-in-threads")
    fake.deny(no_threads, CREATE_PUBLIC_THREADS)
    fake.deny(mute_in_threads, SEND_MESSAGES_IN_THREADS)
    asked = [ask_by_mention(fake, ANSWERED, channel_id=channel) for channel in (no_threads, mute_in_threads)]
    for mid, channel in zip(asked, (no_threads, mute_in_threads), strict=True):
        reply = fake.wait_for_reply(mid)
        assert reply.channel_id == channel
        assert CITATION.search(reply.content), reply.content
        assert any(c.startswith("vote:") for c in reply.custom_ids)
    assert asked[0] not in fake.channels
    empty = fake.wait_until(lambda: next((c for t, c in fake.edits if t == asked[1]), None), what="the thread closed")
    assert empty == {"name": f"{ANSWERED} (answered in the channel)", "archived": True}
    thread = fake.channels[asked[1]]
    assert thread["thread_metadata"]["archived"] and fake.messages_in(asked[1]) == []
    assert [(r.status, r.body["code"]) for r in traffic.rejected()] == [(403, 50013)] * 2


def test_a_follow_up_in_the_bots_thread_is_answered_there_with_the_threads_questions(
    fake: FakeDiscord, bot: BotProcess, traffic: Traffic
) -> None:
    """A message in the bot's thread, without a mention, is answered in the thread, asked with the thread's
    earlier question (read back from Discord); the bot does not answer its own messages there."""
    user = new_user()
    thread, _ = answer_in_thread(fake, "Who is IBM's CEO?", user_id=user)
    follow_up = fake.send_message("What did he say about AI?", channel_id=thread, user_id=user)
    answer = fake.wait_for_message_in(thread, 2)
    assert answer.reply_to == follow_up
    assert CITATION.search(answer.content) or answer.content.startswith("The article")
    assert asked_with(bot, "Who is IBM's CEO?") == []
    assert asked_with(bot, "What did he say about AI?") == ["Who is IBM's CEO?"]
    # The log line follows the delivery, which the fake has already recorded: wait for it.
    fake.wait_until(lambda: "via=follow-up" in bot.log(), what="the follow-up's log line")
    answer_in_thread(fake, ANSWERED)  # a barrier: the bot handles events in order
    assert len(fake.messages_in(thread)) == 2
    assert traffic.rejected() == []


def test_a_mention_in_another_thread_is_answered_in_it_with_its_earlier_questions(
    fake: FakeDiscord, bot: BotProcess, traffic: Traffic
) -> None:
    """In a thread a person started, a mention is answered in the thread (as a reply, no new thread), with the
    earlier mentions as its history; a message without a mention there is not a question."""
    thread = fake.start_thread(GENERAL_ID, "lunch plans")
    first = ask_by_mention(fake, "What did Arvind Krishna write to Congress?", channel_id=thread)
    fake.wait_for_reply(first)
    chatter = fake.send_message("I thought so, see you at noon", channel_id=thread, user_id=new_user())
    second = ask_by_mention(fake, "What does IBM oppose?", channel_id=thread)
    reply = fake.wait_for_reply(second)
    assert reply.channel_id == thread
    assert CITATION.search(reply.content), reply.content
    assert first not in fake.channels and second not in fake.channels
    assert fake.replies_to(chatter) == []
    assert asked_with(bot, "What does IBM oppose?") == ["What did Arvind Krishna write to Congress?"]
    assert traffic.rejected() == []


def test_a_follow_up_in_a_thread_of_200_messages_reads_back_at_most_read_back(
    fake: FakeDiscord, bot: BotProcess, traffic: Traffic
) -> None:
    """In a thread already 200 messages long, a follow-up is answered; the bot reads back at most READ_BACK
    messages, in pages Discord accepts, and asks with the newest MAX_HISTORY questions among them."""
    user = new_user()
    thread, _ = answer_in_thread(fake, ANSWERED, user_id=user)
    fake.add_history(thread, [(f"Earlier question {i}?", user) if i % 2 else (f"Answer {i}", None) for i in range(200)])
    reads_before = len(fake.history_reads)
    fake.send_message("What did he say about AI?", channel_id=thread, user_id=user)
    answer = fake.wait_for_message_in(thread, 2)
    assert 0 < len(answer.content) <= 2000
    reads = [r for r in fake.history_reads[reads_before:] if r.channel_id == thread]
    assert reads and all(1 <= r.limit <= 100 for r in reads)
    assert sum(r.returned for r in reads) <= READ_BACK
    expected = [f"Earlier question {i}?" for i in range(199, 0, -2)][:MAX_HISTORY][::-1]
    assert asked_with(bot, "What did he say about AI?") == expected
    assert traffic.rejected() == []


def test_more_sources_is_private_and_numbered_on(fake: FakeDiscord, bot: BotProcess, traffic: Traffic) -> None:
    """More sources answers the clicker alone with the next passages, [4] onwards, each with a bold sentence."""
    _, answer = answer_in_thread(fake, ANSWERED)
    more = next(c for c in answer.custom_ids if c.startswith("more:"))
    click = fake.click(answer.message_id or 0, more, user_id=new_user())
    shown = fake.wait_for_answer(click)
    callback = fake.responses_to(click)[0]
    assert callback.flags & EPHEMERAL and shown.flags & EPHEMERAL
    citations = re.findall(r"^\\?\[(\d+)\\?\]", shown.content, re.MULTILINE)
    assert citations and citations[0] == "4", shown.content
    assert shown.content.count("**") >= 2 * len(citations)
    assert len(shown.content) <= 2000
    assert traffic.rejected() == []


def test_a_click_on_an_answer_the_log_no_longer_holds_says_so_privately(
    fake: FakeDiscord, bot: BotProcess, traffic: Traffic
) -> None:
    """The buttons of an answer pruned from the log (older than RETENTION_DAYS) answer the clicker alone, politely."""
    gone = "Pruned_0001"
    rows = [
        {
            "type": 1,
            "components": [
                {"type": 2, "style": 2, "label": wording.MORE_SOURCES, "custom_id": f"more:{gone}"},
                {"type": 2, "style": 2, "emoji": {"name": "\N{THUMBS UP SIGN}"}, "custom_id": f"vote:{gone}:up"},
            ],
        }
    ]
    old = fake.add_history(GENERAL_ID, [("An answer from long ago", None)], components=rows)[0]
    for custom_id in (f"more:{gone}", f"vote:{gone}:up"):
        notice = fake.wait_for_answer(fake.click(old, custom_id, user_id=new_user()))
        assert notice.flags & EPHEMERAL and notice.content == wording.ANSWER_GONE
    assert traffic.rejected() == []


def test_votes_are_stored_one_per_person_and_a_thumbs_down_keeps_its_note(
    fake: FakeDiscord, bot: BotProcess, traffic: Traffic
) -> None:
    """👍 is confirmed privately and stored; a second click (👎) changes that person's vote and opens the
    one-line dialog, whose note is stored with the vote; other people's votes count apart, and a 👎 whose
    dialog is sent blank still counts, without a note."""
    _, answer = answer_in_thread(fake, ANSWERED)
    answer_id = answer_id_of(answer)
    voter, other = new_user(), new_user()
    up = fake.click(answer.message_id or 0, f"vote:{answer_id}:up", user_id=voter)
    confirmed = fake.wait_for_answer(up)
    assert confirmed.flags & EPHEMERAL and confirmed.content == wording.VOTED_UP
    assert in_database(bot, lambda db: db.votes.get(answer_id, f"discord:{voter}")) is True

    down = fake.click(answer.message_id or 0, f"vote:{answer_id}:down", user_id=voter)
    fake.wait_until(lambda: fake.interactions[down].modal, what="the dialog")
    assert in_database(bot, lambda db: db.votes.get(answer_id, f"discord:{voter}")) is False
    note = fake.submit_modal(down, {"reason": "It quoted the wrong paragraph"})
    saved = fake.wait_for_answer(note)
    assert saved.flags & EPHEMERAL and saved.content == wording.REASON_SAVED
    fake.wait_for_answer(fake.click(answer.message_id or 0, f"vote:{answer_id}:up", user_id=other))
    quiet = fake.click(answer.message_id or 0, f"vote:{answer_id}:down", user_id=new_user())
    fake.wait_until(lambda: fake.interactions[quiet].modal, what="the second dialog")
    blank = fake.submit_modal(quiet, {"reason": "   "})  # nothing to say: the dialog just closes
    fake.wait_until(lambda: fake.interactions[blank].ack_type == 6, what="the dialog closed")

    tally = in_database(bot, lambda db: db.votes.tally(answer_id))
    assert (tally.up, tally.down) == (1, 2)
    since = datetime.now(UTC) - timedelta(hours=1)
    notes = in_database(bot, lambda db: db.reports.downvoted(since))
    assert sorted((n.reason or "") for n in notes if n.answer_id == answer_id) == ["", "It quoted the wrong paragraph"]
    assert traffic.rejected() == []


def test_share_posts_a_private_answer_publicly_with_asked_by_and_pings_no_one(
    fake: FakeDiscord, bot: BotProcess, traffic: Traffic
) -> None:
    """/ask private:true carries Share in channel; a click posts the answer publicly under "Asked by" and the
    clicker's mention, pinging nobody, and the private answer loses its Share button."""
    user = new_user()
    iid = fake.send_command("ask", {"question": ANSWERED, "private": True}, user_id=user)
    private = fake.wait_for_answer(iid)
    assert private.flags & EPHEMERAL
    share = next(c for c in private.custom_ids if c.startswith("share:"))
    click = fake.click(private.message_id or 0, share, user_id=user)
    shared = fake.wait_until(
        lambda: next((s for s in fake.sent if s.interaction_id == click and s.kind == "followup"), None),
        what="the shared answer",
    )
    assert not shared.flags & EPHEMERAL
    assert shared.content.startswith(f"Asked by <@{user}>: “{ANSWERED}”"), shared.content
    assert CITATION.search(shared.content)
    mentions = shared.allowed_mentions
    assert mentions is not None and mentions.get("parse") == [] and not mentions.get("users")
    assert any(c.startswith("vote:") for c in shared.custom_ids)
    update = fake.responses_to(click)[0]
    assert update.payload["type"] == 7 and not any(c.startswith("share:") for c in update.custom_ids)
    left = fake.messages[private.message_id or 0]["components"]
    assert left and not any(b["custom_id"].startswith("share:") for row in left for b in row["components"])
    assert traffic.rejected() == []


def test_a_share_discord_refused_gets_its_button_back_and_can_be_clicked_again(
    fake: FakeDiscord, bot: BotProcess
) -> None:
    """Share whose public post Discord refuses gave the answer's one share away and took its button: the
    clicker got an apology and nothing more. The share is given back with the button, and a second click posts."""
    user = new_user()
    iid = fake.send_command("ask", {"question": ANSWERED, "private": True}, user_id=user)
    private = fake.wait_for_answer(iid)
    share = next(c for c in private.custom_ids if c.startswith("share:"))
    fake.refuse_followups = 1
    first = fake.click(private.message_id or 0, share, user_id=user)
    fake.wait_until(
        lambda: any(s.interaction_id == first and s.kind == "followup" for s in fake.sent), what="the apology"
    )
    buttons = fake.wait_until(
        lambda: (
            [b["custom_id"] for row in fake.messages[private.message_id or 0]["components"] for b in row["components"]]
            if any(s.interaction_id == first and s.kind == "edit" for s in fake.sent)
            else None
        ),
        what="the Share button back",
    )
    assert share in buttons
    again = fake.click(private.message_id or 0, share, user_id=user)
    shared = fake.wait_until(
        lambda: next((s for s in fake.sent if s.interaction_id == again and s.kind == "followup"), None),
        what="the shared answer",
    )
    assert not shared.flags & EPHEMERAL and shared.content.startswith(f"Asked by <@{user}>")


def test_buttons_work_after_a_restart_and_an_answer_from_a_rebuilt_index_says_so(
    bot: BotProcess, tmp_path: Path
) -> None:
    """Buttons on an answer keep working in a new bot process (same DATA_DIR and index); once the index is rebuilt
    from changed sources, a click on that answer says politely that the articles have changed."""
    index = tmp_path / "index"
    shutil.copytree(bot.env["INDEX_DIR"], index)  # the module's index: no build before the first answer
    seeds = tmp_path / "seeds"
    shutil.copytree(bot.env["SEEDS_DIR"], seeds)
    with FakeDiscord(heartbeat_interval=1.0) as fake:

        def start() -> BotProcess:
            process = BotProcess(fake, tmp_path, INDEX_DIR=str(index), SEEDS_DIR=str(seeds))
            process.wait_ready()
            return process

        first = start()
        try:
            _, answer = answer_in_thread(fake, ANSWERED)
        finally:
            assert first.stop() == 0
        answer_id = answer_id_of(answer)
        more = next(c for c in answer.custom_ids if c.startswith("more:"))

        second = start()
        try:
            shown = fake.wait_for_answer(fake.click(answer.message_id or 0, more, user_id=new_user()))
            assert re.search(r"^\\?\[4\\?\]", shown.content, re.MULTILINE), shown.content
            voted = fake.wait_for_answer(fake.click(answer.message_id or 0, f"vote:{answer_id}:up", user_id=new_user()))
            assert voted.content == wording.VOTED_UP
        finally:
            assert second.stop() == 0

        (seeds / "extra.md").write_text(ARTICLE.read_text(encoding="utf-8")[:2000] + "\n\nA new closing paragraph.\n")
        third = start()
        try:
            stale = fake.wait_for_answer(fake.click(answer.message_id or 0, more, user_id=new_user()))
            assert stale.flags & EPHEMERAL and stale.content == wording.OUTDATED
        finally:
            assert third.stop() == 0
        assert fake.rejected == []


def test_the_thumbs_down_dialog_sent_after_a_restart_keeps_its_note(bot: BotProcess, tmp_path: Path) -> None:
    """👎 opens the dialog in one bot process; the dialog is sent once a new process (same DATA_DIR and index) has
    taken over: the new one keeps the note with the 👎 and thanks the person privately (nothing of a dialog is
    kept in memory: its id names the answer)."""
    index = tmp_path / "index"
    shutil.copytree(bot.env["INDEX_DIR"], index)  # the module's index: no build before the first answer
    with FakeDiscord(heartbeat_interval=1.0) as fake:

        def start() -> BotProcess:
            process = BotProcess(fake, tmp_path, INDEX_DIR=str(index), SEEDS_DIR=bot.env["SEEDS_DIR"])
            process.wait_ready()
            return process

        voter = new_user()
        first = start()
        try:
            _, answer = answer_in_thread(fake, ANSWERED)
            answer_id = answer_id_of(answer)
            down = fake.click(answer.message_id or 0, f"vote:{answer_id}:down", user_id=voter)
            fake.wait_until(lambda: fake.interactions[down].modal, what="the dialog")
        finally:
            assert first.stop() == 0
        second = start()
        try:
            note = fake.submit_modal(down, {"reason": "It quoted the wrong paragraph"})
            saved = fake.wait_for_answer(note)
            assert saved.flags & EPHEMERAL and saved.content == wording.REASON_SAVED
            assert in_database(second, lambda db: db.votes.get(answer_id, f"discord:{voter}")) is False
            since = datetime.now(UTC) - timedelta(hours=1)
            notes = in_database(second, lambda db: db.reports.downvoted(since))
            assert [(n.answer_id, n.reason) for n in notes] == [(answer_id, "It quoted the wrong paragraph")]
        finally:
            assert second.stop() == 0
        assert fake.rejected == []
