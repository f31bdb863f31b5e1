"""A question's words reach the retriever the same way from Discord and from Slack (bot/core/mentions.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from bot.core.mentions import Kind, Mention, shown_as
from bot.discord.threads import question_of
from bot.slack.text import clean_slack_text

ME = 100000000000000099
ANN, MODS, GENERAL = 123456789012345678, 223456789012345678, 323456789012345678


@dataclass
class Named:
    id: int
    name: str

    @property
    def display_name(self) -> str:
        return self.name


@dataclass
class Message:
    """A Discord message as discord.py gives it: its words, and the mentions Discord resolved."""

    content: str
    mentions: list[Named] = field(default_factory=lambda: [Named(ME, "citebot"), Named(ANN, "ann")])
    role_mentions: list[Named] = field(default_factory=lambda: [Named(MODS, "mods")])
    channel_mentions: list[Named] = field(default_factory=lambda: [Named(GENERAL, "general")])


@pytest.mark.parametrize(
    ("discord", "slack", "words"),
    [
        (f"<@{ME}> Why did IBM quit?", "<@UBOT> Why did IBM quit?", "Why did IBM quit?"),
        (f"Why <@!{ME}> did  IBM\nquit?", "Why <@UBOT|citebot> did  IBM\nquit?", "Why did IBM quit?"),
        (
            f"<@{ME}> did <@{ANN}> ask <@&{MODS}> in <#{GENERAL}> why IBM quit?",
            "<@UBOT> did <@U0ANN|ann> ask <!subteam^S0MODS|@mods> in <#C0GEN|general> why IBM quit?",
            "did @ann ask @mods in #general why IBM quit?",
        ),
        (  # a name the platform does not give (Slack's events name nobody)
            f"<@{ME}> is <@{ANN + 1}> right about <#{GENERAL + 1}>?",
            "<@UBOT> is <@U0BOB> right about <#C0OTHER>?",
            "is @someone right about #channel?",
        ),
        (
            "@here why did IBM quit? <:ibm:42345678901234567>",
            "<!here> why did IBM quit? :ibm:",
            "@here why did IBM quit? :ibm:",
        ),
    ],
)
def test_a_question_reads_the_same_from_discord_and_slack(discord: str, slack: str, words: str) -> None:
    """The bot's own mention is removed, people, roles and channels read by name (or as someone, a channel),
    broadcasts and emoji as people read them, whitespace collapsed: the same words from either platform."""
    assert question_of(Message(discord), ME) == words  # type: ignore[arg-type]
    assert clean_slack_text(slack, drop_user="UBOT") == words


def test_each_kind_of_mention_has_its_words() -> None:
    """The one place that says which words stand for a mention."""
    assert [shown_as(Mention(kind, "x")) for kind in Kind] == ["", "@x", "@x", "#x", "@x", ":x:"]
    assert [shown_as(Mention(kind)) for kind in (Kind.PERSON, Kind.ROLE, Kind.CHANNEL)] == [
        "@someone",
        "@someone",
        "#channel",
    ]
