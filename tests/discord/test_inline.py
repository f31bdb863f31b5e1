"""End to end, with answers as replies in the channel (``REPLY_IN_THREADS=false``): replies to the bot's answers,
and the words of a question as they reach the retriever.

The real discord.py client of the bot, on the real index, against the fake Discord; one bot process serves the
module, recording what each question reached the retriever with (tests/discord/recording_main.py).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.core import wording
from tests.discord.harness import ARTICLE, BotProcess, module_fake, running, user_ids
from tests.fake_discord import BOT_ID, GENERAL_ID, MOD_ROLE_ID, READ_MESSAGE_HISTORY, FakeDiscord, Traffic
from tests.prebuilt import Prebuilt

pytestmark = [pytest.mark.timeout(180), pytest.mark.model, pytest.mark.process]

ANSWERED = "Why did IBM quit facial recognition?"
new_user = user_ids(730000000000000000)


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeDiscord]:
    yield from module_fake()


@pytest.fixture(scope="module")
def bot(fake: FakeDiscord, tmp_path_factory: pytest.TempPathFactory, prebuilt: Prebuilt) -> Iterator[BotProcess]:
    folder = tmp_path_factory.mktemp("inline")
    prebuilt.copy(folder, ARTICLE)  # the run's article index: the bot starts without building
    process = BotProcess(fake, folder, record=True, REPLY_IN_THREADS="false")
    yield from running(process)


@pytest.fixture
def traffic(fake: FakeDiscord, bot: BotProcess) -> Traffic:
    """This test's own messages and interactions, and what the bot sent or had refused for them."""
    return fake.watch()


def ask_by_mention(fake: FakeDiscord, question: str, *, user_id: int | None = None) -> int:
    return fake.send_message(question, mention_bot=True, user_id=user_id or new_user())


def marker(fake: FakeDiscord) -> None:
    """One more question, answered: the bot handles events in order, so anything sent before has been dealt with."""
    fake.wait_for_reply(ask_by_mention(fake, ANSWERED))


def asked_with(bot: BotProcess, question: str) -> list[str]:
    """The history the retriever got with ``question`` (the last time it was asked)."""
    asked = [entry for entry in bot.asked() if entry["question"] == question]
    assert asked, f"{question!r} never reached the retriever: {[e['question'] for e in bot.asked()]}"
    return asked[-1]["history"]


def test_a_reply_to_an_answer_that_pings_the_bot_is_a_follow_up(
    fake: FakeDiscord, bot: BotProcess, traffic: Traffic
) -> None:
    """A reply to the bot's answer that pings it (Discord's default for a reply: the bot is in the message's
    mentions, not in its words) is addressed to the bot: answered as a reply to it, and asked with the questions
    up its chain of replies, as a follow-up in a thread is with the thread's. A reply that does not ping is not."""
    user = new_user()
    asked = ask_by_mention(fake, "Who is IBM's CEO?", user_id=user)
    answer = fake.wait_for_reply(asked)
    follow_up = fake.send_message("What did he say about AI?", reply_to=answer.message_id, user_id=user)
    second = fake.wait_for_reply(follow_up)
    assert second.channel_id == GENERAL_ID
    assert asked_with(bot, "What did he say about AI?") == ["Who is IBM's CEO?"]
    again = fake.send_message("And what did he ask Congress?", reply_to=second.message_id, user_id=user)
    fake.wait_for_reply(again)
    assert asked_with(bot, "And what did he ask Congress?") == ["Who is IBM's CEO?", "What did he say about AI?"]
    quiet = fake.send_message("thanks!", reply_to=second.message_id, user_id=user, ping=False)
    marker(fake)
    assert fake.replies_to(quiet) == []
    assert fake.channels.get(follow_up) is None  # no thread: answers are inline here
    assert traffic.rejected() == []


def test_a_question_reaches_the_retriever_with_other_mentions_by_name(
    fake: FakeDiscord, bot: BotProcess, traffic: Traffic
) -> None:
    """The bot's own mention is removed; a person, a role and a channel mentioned in the question reach the retriever
    (and the question log) as people read them, the same way as from Slack (bot/core/mentions.py), not as
    ``<@7300…>`` markup."""
    person = new_user()
    question = f"Did <@{person}> ask <@&{MOD_ROLE_ID}> in <#{GENERAL_ID}> why IBM quit facial recognition?"
    fake.wait_for_reply(ask_by_mention(fake, question))
    words = f"Did @user{person % 1000} ask @mods in #general why IBM quit facial recognition?"
    assert asked_with(bot, words) == []
    assert traffic.rejected() == []


def test_without_read_message_history_the_answer_is_a_message_in_the_channel(
    fake: FakeDiscord, bot: BotProcess, traffic: Traffic
) -> None:
    """Discord refuses a reply where the bot may not read the message history (400, 160002): the answer, with its
    buttons, and the hint to a bare mention are then posted in the channel as plain messages, not lost."""
    blind = fake.add_channel("no-history")
    fake.deny(blind, READ_MESSAGE_HISTORY)
    fake.send_message(ANSWERED, mention_bot=True, user_id=new_user(), channel_id=blind)
    answer = fake.wait_for_message_in(blind)
    assert "[1]" in answer.content and any(c.startswith("vote:") for c in answer.custom_ids)
    fake.send_message("", mention_bot=True, user_id=new_user(), channel_id=blind)
    hint = fake.wait_for_message_in(blind, 2)
    assert hint.content == wording.mention_hint(f"<@{BOT_ID}>")
    assert [(r.status, r.body["code"]) for r in traffic.rejected()] == [(400, 160002)] * 2
