"""The buttons under a Slack answer, clicked as Slack sends clicks, with a real SQLite question log."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.core import wording
from bot.core.actions import Actions
from bot.core.pipeline import Pipeline
from bot.core.record import Recorder
from bot.core.service import AnswerService
from bot.db import Database
from bot.slack.buttons import MORE, SHARE, VOTE_DOWN, VOTE_UP
from bot.slack.serve import check_settings, serve
from tests.fake_slack import (
    APP_TOKEN,
    FORM,
    Call,
    FakeSlack,
    buttons_of,
    click_body,
    command_body,
    envelope,
    event_body,
    form_payload,
    mention_event,
    submit_body,
)
from tests.fakes import SENTENCE, FakeRetriever
from tests.slack.harness import Bot, Finished, settings, start

QUESTION = "Why did IBM quit facial recognition?"


@pytest.fixture
async def bot(slack: FakeSlack, db: Database) -> AsyncIterator[Bot]:
    started = await start(slack, db=db)
    yield started
    await started.close()


def shown(call: Call) -> str:
    return json.dumps(call.payload.get("blocks"), ensure_ascii=False)


async def ask_privately(bot: Bot, key: str, question: str = QUESTION) -> Call:
    """/ask, answered ephemerally at response_url ``key``."""
    await bot.post(command_body("/ask", question, bot.slack.response_url(key)), content_type=FORM)
    [answer] = await bot.wait_for("respond", key=key)
    return answer


async def ask_in_a_thread(bot: Bot, ts: str, question: str = QUESTION) -> Call:
    """A mention, answered in its thread."""
    await bot.post(event_body(mention_event(question, ts=ts), event_id=f"Ev{ts}"))
    [answer] = await bot.wait_for("chat.postMessage", thread_ts=ts)
    return answer


async def click(bot: Bot, answer: Call, action_id: str, *, key: str = "click", user: str = "U0001") -> None:
    """Click a button of ``answer`` as Slack would (the click's response_url is ``key``)."""
    status, _, _ = await bot.post(
        click_body(answer, action_id, user=user, response_url=bot.slack.response_url(key)), content_type=FORM
    )
    assert status == 200


# --- which buttons --------------------------------------------------------------------------------


async def test_a_private_answer_has_more_votes_and_share_each_carrying_its_id(bot: Bot, db: Database) -> None:
    """Under a private /ask answer: More sources, 👍, 👎, Share; each button's value is the logged answer's id."""
    answer = await ask_privately(bot, "a1")
    buttons = buttons_of(answer)
    assert list(buttons) == [MORE, VOTE_UP, VOTE_DOWN, SHARE]
    [answer_id] = set(buttons.values())
    row = await db.questions.get(answer_id)
    assert row is not None and row.question == QUESTION


async def test_a_thread_answer_offers_no_share_and_an_abstention_no_more(bot: Bot) -> None:
    """A public answer has nothing to share; an abstention has no more sources and nothing to share."""
    answer = await ask_in_a_thread(bot, "10.0")
    assert list(buttons_of(answer)) == [MORE, VOTE_UP, VOTE_DOWN]
    abstention = await ask_privately(bot, "a2", "How do I bake sourdough bread?")
    assert list(buttons_of(abstention)) == [VOTE_UP, VOTE_DOWN]


async def test_without_a_database_there_are_no_buttons(slack: FakeSlack) -> None:
    """Nothing logged, nothing to point at: the answer comes without buttons."""
    plain = await start(slack)
    try:
        answer = await ask_privately(plain, "n1")
    finally:
        await plain.close()
    assert buttons_of(answer) == {}
    assert SENTENCE in shown(answer)


# --- More sources ---------------------------------------------------------------------------------


async def test_more_sources_in_a_thread_is_ephemeral_and_numbered_on(bot: Bot) -> None:
    """The next three passages, [4] to [6], each with its sentence in bold, to the clicker alone, in the thread."""
    answer = await ask_in_a_thread(bot, "11.0")
    await click(bot, answer, MORE, user="U0002")
    [more] = await bot.wait_for("chat.postEphemeral")
    assert (more.payload["user"], more.payload["channel"], more.payload["thread_ts"]) == ("U0002", "C0001", "11.0")
    text = shown(more)
    assert [c for c in ("[4]", "[5]", "[6]") if c in text] == ["[4]", "[5]", "[6]"]
    assert "[3]" not in text
    assert text.count(f"*{SENTENCE}*") == 3


async def test_more_sources_under_a_private_answer_comes_through_its_response_url(bot: Bot) -> None:
    """Under an ephemeral /ask answer the bot may not be in the channel: the click's response_url is used."""
    answer = await ask_privately(bot, "a3")
    await click(bot, answer, MORE, key="more3")
    [more] = await bot.wait_for("respond", key="more3")
    assert more.payload["response_type"] == "ephemeral"
    assert more.payload["replace_original"] is False
    assert "[4] IBM quits facial recognition, ¶9" in shown(more)


# --- votes ----------------------------------------------------------------------------------------


async def test_votes_are_stored_one_per_person_and_a_second_click_changes_it(bot: Bot, db: Database) -> None:
    """👍 then 👎 by one person is one vote down; another person's 👍 counts apart; each gets a private thanks."""
    answer = await ask_in_a_thread(bot, "12.0")
    [answer_id] = set(buttons_of(answer).values())
    await click(bot, answer, VOTE_UP)
    [thanks] = await bot.wait_for("chat.postEphemeral")
    assert thanks.payload["text"] == wording.VOTED_UP
    assert (await db.votes.tally(answer_id)).up == 1
    await click(bot, answer, VOTE_DOWN)
    await click(bot, answer, VOTE_UP, user="U0002")
    await bot.wait_for("chat.postEphemeral", 3)
    tally = await db.votes.tally(answer_id)
    assert (tally.up, tally.down) == (1, 1)
    assert await db.votes.get(answer_id, "slack:T0001:U0001") is False


async def test_thumbs_down_opens_a_modal_whose_reason_is_stored(bot: Bot, db: Database) -> None:
    """👎 opens a one-line optional modal with the click's trigger; what is typed there is kept with the vote."""
    answer = await ask_in_a_thread(bot, "13.0")
    await click(bot, answer, VOTE_DOWN)
    [opened] = await bot.wait_for("views.open")
    assert opened.payload["trigger_id"]
    view = opened.payload["view"]
    [field] = view["blocks"]
    assert field["optional"] is True
    assert field["element"]["multiline"] is False
    await bot.wait_for("chat.postEphemeral", text=wording.VOTED_DOWN)
    status, _, _ = await bot.post(submit_body(opened, "it cites\nthe wrong paragraph"), content_type=FORM)
    assert status == 200
    [saved] = await bot.wait_for("chat.postEphemeral", text=wording.REASON_SAVED)
    assert saved.payload["thread_ts"] == "13.0"
    [down] = await db.reports.downvoted(datetime.now(UTC) - timedelta(hours=1))
    assert (down.question, down.reason) == (QUESTION, "it cites the wrong paragraph")


async def test_the_modal_under_a_private_answer_is_confirmed_through_the_clicks_response_url(
    bot: Bot, db: Database
) -> None:
    """Under an ephemeral /ask answer (a channel the bot may not be in) the thanks for a reason come by response_url."""
    answer = await ask_privately(bot, "p1")
    await click(bot, answer, VOTE_DOWN, key="down-p1")
    [opened] = await bot.wait_for("views.open")
    await bot.post(submit_body(opened, "wrong year"), content_type=FORM)
    told = await bot.wait_for("respond", 2, key="down-p1")  # the vote's thanks and the reason's, in either order
    assert sorted(t.payload["text"] for t in told) == sorted([wording.VOTED_DOWN, wording.REASON_SAVED])
    assert all(t.payload["response_type"] == "ephemeral" for t in told)
    assert bot.slack.of("chat.postEphemeral") == []


async def test_when_the_modal_cannot_open_the_vote_still_counts(bot: Bot, db: Database) -> None:
    """A trigger that expired (Slack answers expired_trigger_id): the 👎 is stored and confirmed all the same."""
    bot.slack.refuse["views.open"] = "expired_trigger_id"
    answer = await ask_in_a_thread(bot, "16.0")
    [answer_id] = set(buttons_of(answer).values())
    await click(bot, answer, VOTE_DOWN)
    [thanks] = await bot.wait_for("chat.postEphemeral")
    assert thanks.payload["text"] == wording.VOTED_DOWN
    assert (await db.votes.tally(answer_id)).down == 1


async def test_a_blank_modal_keeps_the_vote_without_a_reason(
    bot: Bot, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sending the modal empty changes nothing: the 👎 stays, with no reason, and no second thanks."""
    explained = Finished(monkeypatch, Actions, "explain")
    answer = await ask_in_a_thread(bot, "14.0")
    await click(bot, answer, VOTE_DOWN)
    [opened] = await bot.wait_for("views.open")
    await bot.wait_for("chat.postEphemeral", text=wording.VOTED_DOWN)
    await bot.post(submit_body(opened, None), content_type=FORM)
    await explained.wait()
    [down] = await db.reports.downvoted(datetime.now(UTC) - timedelta(hours=1))
    assert down.reason is None
    assert not bot.slack.of("chat.postEphemeral", text=wording.REASON_SAVED)


async def test_the_modal_sent_after_a_newer_thumbs_up_leaves_the_thumbs_up(bot: Bot, db: Database) -> None:
    """👎 opens the modal; 👍 clicked since (another device) is the newer vote: the modal sent then with a note
    does not turn it back into a 👎, and the person is told the note was not kept."""
    answer = await ask_in_a_thread(bot, "15.0")
    [answer_id] = set(buttons_of(answer).values())
    await click(bot, answer, VOTE_DOWN)
    [opened] = await bot.wait_for("views.open")
    await bot.wait_for("chat.postEphemeral", text=wording.VOTED_DOWN)
    await click(bot, answer, VOTE_UP)
    await bot.wait_for("chat.postEphemeral", text=wording.VOTED_UP)
    await bot.post(submit_body(opened, "it cites the wrong paragraph"), content_type=FORM)
    [told] = await bot.wait_for("chat.postEphemeral", text=wording.REASON_NOT_KEPT)
    assert told.payload["thread_ts"] == "15.0"
    assert await db.votes.get(answer_id, "slack:T0001:U0001") is True
    assert await db.reports.downvoted(datetime.now(UTC) - timedelta(hours=1)) == []


# --- Share in channel -----------------------------------------------------------------------------


async def test_share_posts_the_answer_for_everyone_with_asked_by_and_no_mention(bot: Bot) -> None:
    """Share posts the private answer in the channel, "Asked by" and the asker's name in plain text, pinging nobody."""
    answer = await ask_privately(bot, "a4")
    await click(bot, answer, SHARE, key="share4")
    [shared] = await bot.wait_for("respond", key="share4")
    assert shared.payload["response_type"] == "in_channel"
    assert shared.payload["replace_original"] is False
    dumped = json.dumps(shared.payload, ensure_ascii=False)
    assert "<@" not in dumped
    assert "<!" not in dumped
    first = shared.payload["blocks"][0]["elements"][0]
    assert (first["type"], first["text"]) == ("plain_text", "Asked by ann")
    assert f"Asked: {QUESTION}" in dumped
    assert f"*{SENTENCE}*" in dumped
    assert "[1] IBM quits facial recognition, ¶6" in dumped
    assert list(buttons_of(shared)) == [VOTE_UP, VOTE_DOWN]  # everyone may vote; nothing more to share


async def test_a_second_click_on_share_posts_nothing_more(bot: Bot) -> None:
    """Slack leaves Share under the private answer: clicked again, it tells the clicker, privately, that the answer
    is in the channel already, instead of posting it twice."""
    answer = await ask_privately(bot, "a6")
    await click(bot, answer, SHARE, key="share6")
    await bot.wait_for("respond", key="share6")
    await click(bot, answer, SHARE, key="share6again")
    [again] = await bot.wait_for("respond", key="share6again")
    assert (again.payload["response_type"], again.payload["text"]) == ("ephemeral", wording.ALREADY_SHARED)
    assert [c.payload["response_type"] for c in bot.slack.of("respond") if c.key.startswith("share6")] == [
        "in_channel",
        "ephemeral",
    ]


async def test_a_name_made_of_markup_is_shown_as_typed(bot: Bot) -> None:
    """A display name like `<!channel>` or `*boss*` is plain text in "Asked by": no broadcast, no bold."""
    answer = await ask_privately(bot, "a5")
    body = click_body(answer, SHARE, name="<!channel> *boss*", response_url=bot.slack.response_url("share5"))
    await bot.post(body, content_type=FORM)
    [shared] = await bot.wait_for("respond", key="share5")
    line = shared.payload["blocks"][0]["elements"][0]
    assert line["type"] == "plain_text"
    assert line["text"] == "Asked by &lt;!channel&gt; *boss*"


# --- after a restart, after a rebuild, after pruning ----------------------------------------------


async def test_the_buttons_work_after_a_restart_on_the_same_database(slack: FakeSlack, sqlite_migrated: Path) -> None:
    """An answer given by one run of the bot is clicked in the next: the state is in the button and the database."""
    first_db = await Database.open(f"sqlite+aiosqlite:///{sqlite_migrated}")
    first = await start(slack, db=first_db)
    answer = await ask_privately(first, "r1")
    await first.close()
    await first_db.close()

    second_db = await Database.open(f"sqlite+aiosqlite:///{sqlite_migrated}")
    second = await start(slack, db=second_db)
    try:
        await click(second, answer, MORE, key="r-more")
        await click(second, answer, VOTE_UP, key="r-vote")
        [more] = await second.wait_for("respond", key="r-more")
        [vote] = await second.wait_for("respond", key="r-vote")
        [answer_id] = set(buttons_of(answer).values())
        tally = await second_db.votes.tally(answer_id)
    finally:
        await second.close()
        await second_db.close()
    assert "[4] IBM quits facial recognition, ¶9" in shown(more)
    assert vote.payload["text"] == wording.VOTED_UP
    assert tally.up == 1


async def test_a_click_on_an_answer_from_an_older_index_says_so(slack: FakeSlack, db: Database) -> None:
    """After the index is rebuilt, More sources and Share say politely that the articles changed."""
    retriever = FakeRetriever()
    started = await start(slack, db=db, retriever=retriever)
    try:
        answer = await ask_privately(started, "o1")
        retriever._info = type(retriever.info)(**{**retriever.info.__dict__, "version": "rebuilt2"})
        await click(started, answer, MORE, key="o-more")
        await click(started, answer, SHARE, key="o-share")
        [more] = await started.wait_for("respond", key="o-more")
        [share] = await started.wait_for("respond", key="o-share")
    finally:
        await started.close()
    assert more.payload["text"] == share.payload["text"] == wording.OUTDATED
    assert share.payload["response_type"] == "ephemeral"


async def test_a_click_on_an_answer_no_longer_logged_says_so(bot: Bot, db: Database) -> None:
    """An answer pruned from the log (or from another installation): the polite "too old" notice."""
    answer = await ask_in_a_thread(bot, "15.0")
    [answer_id] = set(buttons_of(answer).values())
    await db.questions.prune(datetime.now(UTC) + timedelta(days=1))
    assert await db.questions.get(answer_id) is None
    await click(bot, answer, VOTE_UP)
    [notice] = await bot.wait_for("chat.postEphemeral")
    assert notice.payload["text"] == wording.ANSWER_GONE


async def test_a_replayed_click_is_acted_on_once(bot: Bot, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same signed click twice (a replay within five minutes) shares the answer once; the replay
    gets a 503 while the first click's work is under way, a 200 once it is done."""
    shares = Finished(monkeypatch, Actions, "share")
    answer = await ask_privately(bot, "a6")
    body = click_body(answer, SHARE, response_url=bot.slack.response_url("share6"))
    assert (await bot.post(body, content_type=FORM))[0] == 200
    assert (await bot.post(body, content_type=FORM))[0] in (200, 503)
    # Each click's listener starts before its 200 reaches us: a second share would have started by now.
    await shares.wait(1)
    assert shares.started == 1
    await bot.wait_for("respond", key="share6")
    assert len(bot.slack.of("respond", key="share6")) == 1


async def test_the_buttons_work_over_socket_mode(slack: FakeSlack, db: Database, tmp_path: Path) -> None:
    """Over Socket Mode the clicks arrive as interactive envelopes: acked, and answered like over HTTP."""
    config = settings(
        slack_app_token=APP_TOKEN,
        slack_signing_secret=None,
        slack_api_base=slack.api_base,
        health_file=tmp_path / "health",
    )
    pipeline = Pipeline(
        AnswerService(FakeRetriever(), k=6, batch_window=0), recorder=Recorder(db.questions, 3), shown=3
    )
    stop = asyncio.Event()
    serving = asyncio.create_task(serve(config, check_settings(config), pipeline, stop, db=db))
    try:
        await asyncio.to_thread(slack.wait_for, "socket_connect")
        command = form_payload(command_body("/ask", QUESTION, slack.response_url("s1")))
        await asyncio.to_thread(slack.send_envelope, envelope("slash_commands", command, "env-1"))
        [answer] = await asyncio.to_thread(slack.wait_for, "respond", key="s1")
        payload = form_payload(click_body(answer, MORE, response_url=slack.response_url("s-more")))
        await asyncio.to_thread(slack.send_envelope, envelope("interactive", payload, "env-2"))
        [more] = await asyncio.to_thread(slack.wait_for, "respond", key="s-more")
        acks = await asyncio.to_thread(slack.wait_for, "socket_ack", 2)
    finally:
        stop.set()
        assert await asyncio.wait_for(serving, 15) == 0
    assert {a.payload["envelope_id"] for a in acks} == {"env-1", "env-2"}
    assert "[4] IBM quits facial recognition, ¶9" in shown(more)
