"""Every sentence citebot says to a person, in one place, so every front end says it alike.

Front ends only add their own markup (Discord's markdown, Slack's mrkdwn) around
these; they never word a notice of their own. Errors of the retrieval library carry
their own sentence (index/errors.py), which names the command that fixes them.
"""

from __future__ import annotations

import math
from datetime import datetime

# ---------------------------------------------------------------- answers
# When the sources don't answer: said plainly, instead of quoting a near miss.
ABSTENTION = "The article doesn't say anything that answers that."
# When the passages are on the question's subject but may not answer it.
LOW_CONFIDENCE = "The article may not answer this; the closest passages:"


def no_quotation(topic: str) -> str:
    """The lead of a quotation search that found nothing."""
    return f"No quotation in the sources is about “{topic}”."


# ---------------------------------------------------------------- notices to the asker alone
EMPTY_QUESTION = "The question is empty: ask something about the articles."
EMPTY_TOPIC = "The topic is empty: name what the quotation should be about."
APOLOGY = "Sorry, something went wrong while answering. It has been logged; please try again in a moment."


def rate_limited(retry_after: float) -> str:
    """The polite notice for someone asking faster than the limit allows."""
    seconds = max(1, math.ceil(retry_after))
    return f"You're asking faster than I can keep up: please try again in {seconds} s."


def cannot_answer(reason: str) -> str:
    """A known failure of the sources or the index (its own sentence names the fix)."""
    return f"I can't answer right now: {reason}"


def mention_hint(mention: str) -> str:
    """The answer to a mention with no question in it."""
    return f"Ask me about the articles: {mention} followed by your question (or use `/ask`)."


# ---------------------------------------------------------------- the buttons under an answer
ANSWER_GONE = "That answer is too old: I no longer have it. Please ask again."
OUTDATED = "The articles have changed since that answer: please ask again for an up-to-date one."
NO_MORE = "There are no more passages for that answer."
VOTED_UP = "Thanks: marked as helpful."
VOTED_DOWN = "Thanks: marked as not helpful. You can say what was wrong."
REASON_SAVED = "Thanks: your note was saved with the answer."
# The 👎 dialog sent after a 👍 on the same answer (another device): the newer 👍 stands.
REASON_NOT_KEPT = "You have marked that answer as helpful since: your 👍 stands, and the note was not kept."
WRONG_LABEL = "What was wrong? (optional)"
# The title of the 👎 dialog (Discord allows 45 characters), which opens once the vote is counted.
VOTE_DOWN_TITLE = "Thanks: marked as not helpful"
WRONG_HINT = "One line, e.g. it quoted the wrong paragraph."
MORE_SOURCES = "More sources"
SHARE = "Share in channel"
ALREADY_SHARED = "That answer is in the channel already."
# Discord: what a thread the bot started is named after, when the answer was refused in it and went to the channel.
ANSWERED_IN_CHANNEL = "answered in the channel"
# Slack: the accessible names of the 👍 / 👎 buttons, and the frame of the "what was wrong" modal.
HELPFUL = "Helpful"
NOT_HELPFUL = "Not helpful"
WRONG_TITLE = "What was wrong?"
WRONG_SUBMIT = "Send"
WRONG_CLOSE = "Cancel"


def asked_by(mention: str) -> str:
    """The line over an answer shared in the channel."""
    return f"Asked by {mention}"


# ---------------------------------------------------------------- Discord command errors
INVALID_OPTION = "That value isn't valid for this option."
SERVER_ONLY = "That command only works in a server."
NO_PERMISSION = "You don't have permission to use that command."
BOT_MISSING_PERMISSION = "I'm missing a permission I need here."
NOT_HERE = "You can't use that command here."
UNKNOWN_COMMAND = "I don't know that command any more; it may still be updating."
FORBIDDEN = "I'm not allowed to post that here."
TOO_SLOW = "That took too long. Please try again."


# ---------------------------------------------------------------- help
def help_text(mention: str) -> str:
    """What ``/help`` says."""
    return (
        "I answer questions about the articles I have read, quoting the passage that answers and citing it.\n"
        f"• Mention me with a question: {mention} Why did IBM quit facial recognition?\n"
        "• Follow up in the thread of my answer without mentioning me, or reply to my answer.\n"
        "• `/ask question [private]` — the same; `private:true` shows the answer only to you.\n"
        "• `/quote topic` — verbatim quotations on a topic, with who said them.\n"
        "• `/sources` — what I have read, and when.\n"
        "• `/source add|remove`, `/report`, `/config` — for the server's managers.\n"
        "When the articles don't answer, I say so instead of guessing."
    )


# ---------------------------------------------------------------- the terminal
CHAT_USAGE = (
    "  Follow-up questions are read with the earlier ones; /new starts a new conversation.\n"
    "  /quote TOPIC  quotations on a topic    /sources  the documents    /help  this list\n"
    "  quit, exit, Ctrl-D or Ctrl-C to leave"
)
CHAT_NEW = "A new conversation: the next question is read on its own."
# A line of standard input (``ask -``, ``quote -``, the chat) whose bytes are not UTF-8.
NOT_UTF8 = "this line is not UTF-8 text: it was skipped"


def unknown_chat_command(command: str) -> str:
    """The chat's answer to a word like a command that is none (``/hlep``)."""
    return f"There is no command {command} here. Ask a question, or:\n{CHAT_USAGE}"


def chat_banner(documents: int, chunks: int) -> str:
    """The first lines of ``python -m bot chat``."""
    return f"citebot: {documents} document(s), {chunks} chunks indexed. Ask a question about them.\n{CHAT_USAGE}"


NO_TOKEN_CHAT = (
    "No chat token configured: starting the terminal chat. To run the Discord bot, put "
    "DISCORD_TOKEN=... in .env (see .env.example and docs/discord.md), or SLACK_BOT_TOKEN=... for Slack "
    "(docs/slack.md), then `make run` again."
)
BOTH_TOKENS = (
    "DISCORD_TOKEN and SLACK_BOT_TOKEN are both set: running the Discord bot only. Run the Slack bot as a "
    "second process, `python -m bot slack`, or leave DISCORD_TOKEN blank to run Slack here."
)


# ---------------------------------------------------------------- the report (``/report``, ``python -m bot report``)
REPORT_EMPTY = "Nothing was asked in that time."
REPORT_GAPS = "Unanswered or answered with low confidence, grouped by meaning:"
REPORT_DOWNVOTED = "Answers marked not helpful:"
REPORT_MOST_ASKED = "Most asked:"
REPORT_NONE = "  (none)"


def bad_since(text: str) -> str:
    """The one line for a ``--since`` (or ``/report since:``) that is not a duration."""
    return f"since {text!r} is not a duration: use a number and a unit, e.g. 7d, 12h, 30m or 2w"


def report_title(since: datetime) -> str:
    return f"What was asked since {since:%Y-%m-%d %H:%M} UTC"


def report_gap(count: int, example: str, wordings: int) -> str:
    others = f" (and {wordings - 1} similar wording{'s' if wordings > 2 else ''})" if wordings > 1 else ""
    return f"  {count}× “{example}”{others}"


def report_downvote(question: str, reason: str | None) -> str:
    return f"  “{question}” — {reason if reason else 'no reason given'}"


def report_asked(count: int, question: str) -> str:
    return f"  {count}× “{question}”"


def report_more(left_out: int) -> str:
    """The line under a part of the report whose other entries did not fit in the message."""
    return f"  … and {left_out} more"


def report_written(rows: int, path: object) -> str:
    return f"Wrote {rows} row(s) to {path}"


def cannot_write(path: object, reason: str) -> str:
    return f"cannot write {path} ({reason}): choose another file"


def no_question_log(path: object) -> str:
    """``python -m bot report`` where no bot keeps its database."""
    return (
        f"no question log at {path}: the Discord and Slack bots make it when they first start; run the report "
        "with the DATA_DIR (or DATABASE_URL) the bots use"
    )


# ---------------------------------------------------------------- admins' commands
ADMINS_ONLY = (
    "Sorry, only the server's managers can do that (it needs the Manage Server permission). Nothing was changed."
)
# Discord: the sources are shared by every server the bot is in (SOURCE_GUILDS says whose managers may change them).
SOURCES_ELSEWHERE = (
    "Sorry, the articles I answer from are shared by every server I'm in, and whoever runs me has chosen "
    "other servers' managers to change them. Nothing was changed."
)
SOURCE_GUILDS_UNSET = (
    "Sorry, I'm in more than one server and they all share the articles I answer from, so nobody can change "
    "them from chat until whoever runs me names the servers that may (SOURCE_GUILDS). Nothing was changed."
)
SLACK_ADMINS_ONLY = "Sorry, only workspace admins (or the bot's admin group) can do that. Nothing was changed."
ADD_WHAT = "Give a `url` or attach a file (.txt, .md, .html or .pdf) to add."
ADD_BOTH = "Give either a `url` or a file, not both."


def change_queued(later: str) -> str:
    """A source change waiting for another (chat's, or a build), which may outlast the time a command's answer
    has: ``later`` says how long that is, and where the outcome is told after it."""
    return (
        "Another update of the sources is under way; yours starts when it ends. I'll tell you here when it's done, "
        f"or, if that takes more than {later}"
    )


CHANGE_QUEUED = change_queued(  # Discord: its interaction token lives 15 minutes
    "15 minutes (Discord's limit for answering here), in a message in this channel that names you without pinging you "
    "(or in a direct message, if I can't post here)."
)
SLACK_CHANGE_QUEUED = change_queued(  # Slack: a command's response_url lives 30 minutes
    "30 minutes (Slack's limit for answering here), in a direct message "
    "(or, if I can't send you one, in a message in this channel that only you can see)."
)
WORKING = "Working on it: adding the source and updating the index…"
SOURCES_EMPTY = "I have no sources yet."
SOURCES_TITLE = "The articles I answer from"
NO_CHANNEL = "That only works in a channel."
SLACK_USAGE = (
    "Usage: `/citebot sources` (what I answer from), or for admins: `/citebot sources add URL`, "
    "`/citebot sources remove NAME`, `/citebot report [7d]`, "
    "`/citebot config [off|mention|every|default] [private|public]`"
)
SLACK_HELP = (
    "I answer questions about the articles I have read, quoting the passage that answers and citing it.\n"
    "• Mention me with a question: @citebot Why did IBM quit facial recognition? I answer in a thread, where "
    "follow-up questions need no mention. In my Messages tab, every message is a question.\n"
    "• `/ask question` — the same answer, where you typed it.\n"
    "• `/quote topic` — verbatim quotations on a topic, with who said them.\n"
    "When the articles don't answer, I say so instead of guessing.\n"
    f"{SLACK_USAGE}"
)
CONFIG_HOW = (
    "Modes: off, mention (answer mentions only) or every (answer every message); private: answers only the asker sees."
)
MODE_NAMES = {"off": "off", "mention": "mention-only", "every_message": "every message"}


def admin_failed(reason: str) -> str:
    """An admin command that failed with a known error (its sentence names the fix)."""
    return f"That didn't work, and nothing was changed: {reason}"


DM_CLOSED = "Answers here are private, but I can't send you a direct message: allow them, or use `/ask`."


def not_a_web_address(item: str) -> str:
    """A chat admin's ``add`` of something that is not an http(s) address (chat never reads the bot's own files)."""
    return f"That didn't work, and nothing was changed: “{item}” is not a web address; give an http:// or https:// URL"


def too_big(name: str) -> str:
    return f"{name} is larger than 10 MB: add a smaller file, or its web page by URL"


def added(titles: list[str]) -> str:
    return "Added " + ", ".join(f"“{t}”" for t in titles) + ". New questions use it now."


def removed(title: str) -> str:
    return f"Removed “{title}”. New questions no longer use it."


def change_told_late(who: str | None, command: str, outcome: str, *, unsure: bool = False) -> str:
    """A source change's outcome told once the command can no longer be answered: in the channel naming ``who``
    (Discord), or to them alone (``who`` None). ``unsure``: an earlier way of telling it failed where it may have
    reached them all the same (a timeout, a server error), so this may be a repeat, and says so."""
    if unsure:
        about = f"in case my earlier answer to your `{command}` did not reach you: {outcome}"
    else:
        about = f"about your `{command}`: {outcome}"
    return f"{who}, {about}" if who else about[0].upper() + about[1:]


def source_line(title: str, url: str | None, added_at: datetime | None) -> str:
    """One line of the public sources list: the title, its link, and when it was added."""
    when = f" · added {added_at:%Y-%m-%d}" if added_at is not None else ""
    return f"{title}{f' — {url}' if url else ''}{when}"


def channel_config(mode: str, private: bool, *, configured: bool) -> str:
    """What ``/config`` says about a channel's behaviour."""
    source = "set by an admin" if configured else "the default"
    visibility = "private (only the asker sees answers)" if private else "public"
    return f"In this channel I answer: {MODE_NAMES.get(mode, mode)}; answers are {visibility} ({source})."


def unknown_subcommand(text: str) -> str:
    return f"I don't know “{text}”. {SLACK_USAGE}"
