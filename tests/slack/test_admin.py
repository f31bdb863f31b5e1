"""``/citebot`` against the fake Slack, through the real bolt app over HTTP, with a real SQLite database.

For each admin subcommand a workspace admin, an owner and a member of ADMIN_USER_GROUP can,
and anyone else cannot: they get a polite ephemeral refusal and nothing changes (no call
reaches the sources library, the channel keeps its behaviour). A ``config`` change takes
effect on the next message. The library takes the index's build lock as the real one does,
so a test holding that lock makes a source change wait behind "another build".
"""

from __future__ import annotations

import itertools
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.core import wording
from bot.core.admin import Admin
from bot.core.channels import ChannelRules
from bot.db import Database
from bot.slack.text import escape_mrkdwn
from index.store import build_lock
from tests.fake_slack import FORM, FakeSlack, command_body, event_body, mention_event, message_event
from tests.fakes import FakeLibrary, FakeRetriever
from tests.slack.harness import Bot, Finished, settings, start

GROUP = "S0ADMINS"
ADMIN, OWNER, IN_GROUP, MEMBER = "UADMIN", "UOWNER", "UGROUP", "UMEMBER"
_keys = itertools.count(1)
_ts = itertools.count(1)


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        fake.admins.add(ADMIN)
        fake.owners.add(OWNER)
        fake.groups[GROUP] = [IN_GROUP]
        yield fake


@pytest.fixture
def library() -> FakeLibrary:
    return FakeLibrary(locking=True)


@pytest.fixture
def index_dir(tmp_path: Path) -> Path:
    return tmp_path / "index"


@pytest.fixture
async def bot(slack: FakeSlack, db: Database, library: FakeLibrary, index_dir: Path) -> AsyncIterator[Bot]:
    config = settings(admin_user_group=GROUP, index_dir=index_dir)
    retriever = FakeRetriever()
    admin = Admin(config, db, embed=retriever.encode, library=library)
    started = await start(slack, config, db=db, retriever=retriever, admin=admin)
    yield started
    await started.close()


async def answer(bot: Bot, text: str, *, user: str = ADMIN, channel: str = "C0001") -> dict[str, Any]:
    """Use ``/citebot text`` and return the (ephemeral) answer as posted to the response_url."""
    key = f"k{next(_keys)}"
    await bot.post(
        command_body("/citebot", text, bot.slack.response_url(key), user=user, channel=channel), content_type=FORM
    )
    [call] = await bot.wait_for("respond", key=key)
    assert call.payload["response_type"] == "ephemeral"
    return call.payload


async def citebot(bot: Bot, text: str, *, user: str = ADMIN, channel: str = "C0001") -> str:
    """Use ``/citebot text`` and return the (ephemeral) answer's text."""
    return str((await answer(bot, text, user=user, channel=channel))["text"])


def texts(payload: dict[str, Any], kind: str) -> list[str]:
    """The texts of the answer's blocks' text objects of one kind (``mrkdwn`` or ``plain_text``)."""
    return [block["text"]["text"] for block in payload.get("blocks") or [] if block["text"]["type"] == kind]


async def report(bot: Bot, since: str = "1d") -> str:
    """``/citebot report``'s blocks as they read: within Slack's limits, every part's heading in mrkdwn."""
    payload = await answer(bot, f"report {since}")
    blocks = payload["blocks"]
    assert len(blocks) <= 50 and all(len(b["text"]["text"]) <= 3000 for b in blocks), blocks
    headings = "\n".join(texts(payload, "mrkdwn"))
    assert all(f"*{part}*" in headings for part in (wording.REPORT_GAPS, wording.REPORT_DOWNVOTED)), headings
    return "\n".join(b["text"]["text"] for b in blocks)


def ts() -> str:
    return f"{1800000000 + next(_ts)}.000100"


async def test_anyone_can_list_the_sources_with_links_and_dates(bot: Bot, library: FakeLibrary) -> None:
    """`/citebot sources` by a member lists each source, its link and the day it was added."""
    await citebot(bot, "sources add https://example.com/new.html")
    text = await citebot(bot, "sources", user=MEMBER)
    assert "IBM quits facial recognition" in text and "added 2024-01-02" in text
    assert "<https://example.com/new.html>" in text


@pytest.mark.parametrize(
    "text",
    ["sources add https://example.com/a.html", "sources remove 000_a7265f2ac828b9b1.txt", "report", "config off"],
)
async def test_a_member_is_refused_and_nothing_changes(bot: Bot, db: Database, library: FakeLibrary, text: str) -> None:
    """Every admin subcommand refuses a member politely: no library call, no channel configuration."""
    assert await citebot(bot, text, user=MEMBER) == wording.SLACK_ADMINS_ONLY
    assert library.calls == []
    assert await db.channels.get("slack", "T0001", "C0001") is None


@pytest.mark.parametrize("user", [ADMIN, OWNER, IN_GROUP])
async def test_admins_owners_and_the_group_can_add_and_remove(bot: Bot, library: FakeLibrary, user: str) -> None:
    """An admin, an owner and a member of ADMIN_USER_GROUP add a URL (Slack's link markup undone) and remove it."""
    text = await citebot(bot, "sources add <https://example.com/a.html|example.com/a.html>", user=user)
    assert text.startswith("Added")
    assert library.calls == [("add", ["https://example.com/a.html"])]
    assert (await citebot(bot, "sources remove a.html", user=user)).startswith("Removed")
    assert library.calls[-1] == ("remove", ["a.html"])


async def send(bot: Bot, text: str, *, user: str = ADMIN, channel: str = "C0001") -> str:
    """Use ``/citebot text`` without waiting for its answer; the key of its response_url."""
    key = f"k{next(_keys)}"
    await bot.post(
        command_body("/citebot", text, bot.slack.response_url(key), user=user, channel=channel), content_type=FORM
    )
    return key


async def test_a_source_add_queued_behind_a_build_says_so_at_once_then_tells_its_outcome(
    bot: Bot, library: FakeLibrary, index_dir: Path
) -> None:
    """An add that must wait for another build is said to be queued at once, ephemerally, before the library
    sees it; its outcome follows at the same response_url when the build ends within the URL's 30 minutes."""
    with build_lock(index_dir):  # another build under way
        key = await send(bot, "sources add https://example.com/queued.html")
        [queued] = await bot.wait_for("respond", key=key)
        assert queued.payload["text"] == wording.SLACK_CHANGE_QUEUED
        assert queued.payload["response_type"] == "ephemeral"
        assert library.calls == []  # still waiting for the lock
    answers = await bot.wait_for("respond", 2, key=key)
    assert [a.reply["status"] for a in answers] == [200, 200]
    assert answers[1].payload["text"].startswith("Added “") and answers[1].payload["response_type"] == "ephemeral"
    assert library.calls == [("add", ["https://example.com/queued.html"])]
    assert bot.slack.of("chat.postEphemeral") == [] and bot.slack.of("chat.postMessage") == []


async def test_a_source_change_that_outlasts_its_response_url_reaches_the_admin_by_direct_message(
    bot: Bot, slack: FakeSlack, library: FakeLibrary, index_dir: Path
) -> None:
    """Slack refuses a response_url 30 minutes after the command (its life, ended here at once): a remove that
    waited behind a build that long is told to the admin in a direct message with the bot, which is kept
    (an ephemeral one would be gone on reload, and seen only if they were looking at that channel then),
    instead of being lost; nothing is posted for the channel to see."""
    with build_lock(index_dir):
        key = await send(bot, "sources remove 000_a7265f2ac828b9b1.txt", channel="C0077")
        [queued] = await bot.wait_for("respond", key=key)
        assert queued.payload["text"] == wording.SLACK_CHANGE_QUEUED
        slack.response_url_lifetime = 0
    [opened] = await bot.wait_for("conversations.open")
    assert opened.payload["users"] == ADMIN
    [told] = await bot.wait_for("chat.postMessage")
    assert told.payload["channel"] == f"D{ADMIN}"
    assert told.payload["text"].startswith("About your `/citebot sources remove`: Removed “"), told.payload["text"]
    refused = slack.of("respond", key=key)[1:]
    assert [(r.reply["status"], r.reply["body"]) for r in refused] == [(404, "expired_url")]  # the outcome, refused
    assert library.calls == [("remove", ["000_a7265f2ac828b9b1.txt"])]
    assert slack.of("chat.postEphemeral") == []


async def test_where_no_direct_message_can_be_sent_the_late_outcome_is_ephemeral_in_the_channel(
    bot: Bot, slack: FakeSlack, index_dir: Path
) -> None:
    """An install made before the im:write scope cannot open a direct message (missing_scope): a late outcome
    is then shown to the admin alone, ephemerally in the command's channel, and to nobody else."""
    slack.refuse["conversations.open"] = "missing_scope"
    with build_lock(index_dir):
        key = await send(bot, "sources add https://example.com/late.html", channel="C0099")
        await bot.wait_for("respond", key=key)
        slack.expired.add(key)
    [told] = await bot.wait_for("chat.postEphemeral", user=ADMIN)
    assert told.payload["channel"] == "C0099"
    assert told.payload["text"].startswith("About your `/citebot sources add`: Added “"), told.payload["text"]
    assert [c.reply["error"] for c in slack.of("conversations.open")] == ["missing_scope"]
    assert slack.of("chat.postMessage") == []


async def test_an_outcome_slack_may_have_shown_is_told_again_saying_it_may_repeat(
    bot: Bot, slack: FakeSlack, index_dir: Path
) -> None:
    """The response_url answers 500 to the outcome: Slack may have shown it or not, so it is still told by direct
    message (lost is worse than twice), with words that say it may repeat; a refusal (above) says no such thing."""
    with build_lock(index_dir):
        key = await send(bot, "sources add https://example.com/unsure.html", channel="C0055")
        await bot.wait_for("respond", key=key)
        slack.failing.add(key)
    [told] = await bot.wait_for("chat.postMessage")
    assert told.payload["channel"] == f"D{ADMIN}"
    unsure = "In case my earlier answer to your `/citebot sources add` did not reach you: Added “"
    assert told.payload["text"].startswith(unsure), told.payload["text"]
    assert [r.reply["status"] for r in slack.of("respond", key=key)] == [200, 500]
    assert slack.of("chat.postEphemeral") == []


async def test_what_the_library_refuses_is_one_line(bot: Bot) -> None:
    """A refused URL is said in one line, and nothing changed."""
    text = await citebot(bot, "sources add http://refuse.example/")
    assert text.startswith("That didn") and "\n" not in text


async def test_a_long_answer_is_cut_between_escapes_never_inside_one(bot: Bot) -> None:
    """An answer past Slack's 3,000 characters (a refused word full of `&`, five characters each once
    escaped) is cut with an ellipsis where no `&amp;` is split: every `&` left is a whole escape."""
    start = len(escape_mrkdwn(wording.not_a_web_address("").split("”")[0]))  # where the word starts
    pad = (2999 - start - 2) % 5  # the cut at 2,999 falls two characters into an `&amp;`
    word = "a" * pad + "&" * 700
    text = await citebot(bot, f"sources add {word}")
    assert len(text) <= 3000 and text.endswith("…") and text.startswith("That didn"), text[-20:]
    assert "&" not in re.sub(r"&(?:amp|lt|gt);", "", text), text[-20:]


async def test_removing_an_unknown_source_names_the_chat_list_not_a_command_line(bot: Bot) -> None:
    """The library's refusal says "`python -m bot sources` lists them"; an admin in Slack is pointed to
    `/citebot sources`."""
    text = await citebot(bot, "sources remove nothing.txt")
    assert "`/citebot sources` lists them" in text and "python -m bot" not in text, text


async def test_add_takes_web_addresses_only_never_a_path_on_the_bots_machine(
    bot: Bot, library: FakeLibrary, tmp_path: Path
) -> None:
    """A path of a file the bot can read, or a word, is refused in one line before the library sees it."""
    secret = tmp_path / "secret.txt"
    secret.write_text("The database password is hunter2.\n", encoding="utf-8")
    for item in (str(secret), "notes.txt"):
        assert await citebot(bot, f"sources add https://example.com/a.html {item}") == wording.not_a_web_address(item)
    assert library.calls == []


async def test_when_slack_cannot_say_who_asks_the_answer_is_no(
    bot: Bot, slack: FakeSlack, library: FakeLibrary
) -> None:
    """users.info failing (a missing scope) refuses, and changes nothing."""
    slack.refuse["users.info"] = "missing_scope"
    assert await citebot(bot, "sources add https://example.com/a.html") == wording.SLACK_ADMINS_ONLY
    assert library.calls == []


async def test_report_lists_what_went_unanswered(bot: Bot) -> None:
    """An abstained question shows in an admin's report; a bad since is one line."""
    await bot.post(event_body(mention_event("How do I bake sourdough bread?", ts=ts()), event_id="EvR1"))
    await bot.wait_for("chat.postMessage")
    text = await report(bot)
    assert wording.REPORT_GAPS in text and "How do I bake sourdough bread?" in text
    assert (await citebot(bot, "report soon")).startswith("since 'soon' is not a duration")


async def test_report_shows_a_workspace_its_own_questions_only(bot: Bot) -> None:
    """An admin's report lists what was asked in their workspace, never another workspace's questions."""
    here, there = ts(), ts()
    await bot.post(event_body(mention_event("sourdough rye?", ts=here), event_id="EvW1"))
    await bot.post(event_body(mention_event("sourdough spelt?", ts=there, user="U0002"), event_id="EvW2", team="T0002"))
    await bot.wait_for("chat.postMessage", thread_ts=here)
    await bot.wait_for("chat.postMessage", thread_ts=there)
    text = await report(bot)
    assert "sourdough rye?" in text and "sourdough spelt?" not in text


async def test_a_big_report_keeps_every_part_within_one_message(bot: Bot) -> None:
    """Long unanswered questions (with `&`, escaped five characters long) enough for several messages: every
    part shown, each text within 3,000 characters, the entries that do not fit counted, none cut midway."""
    words = "crumb crust proof levain hydration autolyse banneton lame scoring steam oven"
    for n in range(12):
        question = f"sourdough {n} " + " &&&&&&&& ".join(f"{w}{n}{i}" for i, w in enumerate(words.split() * 3))
        asked = ts()
        await bot.post(event_body(mention_event(question, ts=asked, user=f"U1{n:03}"), event_id=f"EvB{n}"))
        await bot.wait_for("chat.postMessage", thread_ts=asked)
    text = await report(bot)
    assert "× “sourdough" in text.split(wording.REPORT_MOST_ASKED, 1)[1] and "… and " in text
    entries = [line for line in text.splitlines() if line.startswith("  ") and "×" in line]
    assert all(line.rstrip().endswith(("”", "wording)", "wordings)")) for line in entries), entries


async def test_markup_members_typed_shows_as_typed_in_the_report(bot: Bot) -> None:
    """A question holding bold, italics, strike-through and code is in the report as typed: only in plain
    text, never in a mrkdwn text, where Slack would render it."""
    markup = ["*bold*", "_italic_", "~strike~", "`code`", "```fence```"]
    asked = ts()
    await bot.post(event_body(mention_event("sourdough " + " ".join(markup), ts=asked), event_id="EvM1"))
    await bot.wait_for("chat.postMessage", thread_ts=asked)
    payload = await answer(bot, "report 1d")
    plain, mrkdwn = "\n".join(texts(payload, "plain_text")), "\n".join(texts(payload, "mrkdwn"))
    assert all(m in plain for m in markup), plain
    assert "sourdough" not in mrkdwn and not [m for m in markup if m in mrkdwn], mrkdwn
    assert "bold" not in payload["text"]


async def test_usage_and_unknown_subcommands(bot: Bot) -> None:
    """No subcommand shows the help, which ends with the usage; an unknown one says so with the usage."""
    assert await citebot(bot, "", user=MEMBER) == wording.SLACK_HELP
    assert wording.SLACK_HELP.endswith(wording.SLACK_USAGE)
    assert (await citebot(bot, "dance", user=MEMBER)).startswith("I don't know “dance”")


async def test_config_takes_effect_on_the_next_message(
    bot: Bot, slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`off` silences mentions in the channel; `every` answers plain messages; `private` answers ephemerally;
    `default` goes back to mentions only, with public answers."""
    looked_up = Finished(monkeypatch, ChannelRules, "rule")
    assert "off" in await citebot(bot, "config off", channel="C0077")
    silenced = ts()
    await bot.post(event_body(mention_event("Why did IBM quit?", channel="C0077", ts=silenced), event_id="EvC1"))
    await looked_up.wait(1)
    await bot.idle()
    assert slack.of("chat.postMessage", thread_ts=silenced) == []

    assert "every message" in await citebot(bot, "config every", channel="C0077")
    plain = ts()
    await bot.post(event_body(message_event("Why did IBM quit?", channel="C0077", ts=plain), event_id="EvC2"))
    await bot.wait_for("chat.postMessage", thread_ts=plain)

    assert "private" in await citebot(bot, "config private", channel="C0077")
    hidden = ts()
    await bot.post(event_body(message_event("Why did IBM quit?", channel="C0077", ts=hidden), event_id="EvC3"))
    [ephemeral] = await bot.wait_for("chat.postEphemeral", thread_ts=hidden)
    assert ephemeral.payload["user"] == "U0001" and slack.of("chat.postMessage", thread_ts=hidden) == []

    assert "the default" in await citebot(bot, "config default", channel="C0077")
    before = looked_up.done
    ignored = ts()
    await bot.post(event_body(message_event("Why did IBM quit?", channel="C0077", ts=ignored), event_id="EvC4"))
    await looked_up.wait(before + 1)
    await bot.idle()
    assert (
        slack.of("chat.postMessage", thread_ts=ignored) == []
        and slack.of("chat.postEphemeral", thread_ts=ignored) == []
    )


def test_a_source_url_with_a_bar_a_bracket_or_a_space_links_to_the_whole_address() -> None:
    """A document says where it was published in its own words (front matter ``url:``): Slack ends a link's
    address at ``|`` (the label begins) and at ``>``, so those (and spaces) are percent-encoded, as in an
    answer's citations; the list links to the whole address, never to a piece of it labelled with the rest."""
    from datetime import UTC, datetime

    from bot.core.library import SourceInfo
    from bot.slack.admin import source_lines_slack

    url = "https://example.org/a|b>c d<e"
    listed = [SourceInfo("a.md", "A <b> & c", url, datetime(2026, 1, 2, tzinfo=UTC), 3)]
    shown = source_lines_slack(listed)
    assert "<https://example.org/a%7Cb%3Ec%20d%3Ce>" in shown
    assert "A &lt;b&gt; &amp; c" in shown
    assert shown.count("<") == shown.count(">") == 1
