"""How the bot behaves in a channel: what admins set with ``/config``, else the settings.

Both front ends ask :class:`ChannelRules` before answering a message:

- ``off``: no answer to anything said in the channel (mentions included);
- ``mention``: only mentions (and follow-ups in the bot's own threads) are answered;
- ``every_message``: every message is a question.

``private`` makes answers visible to the asker alone by default. A channel no admin
configured keeps today's behaviour: every message in ``ASK_CHANNELS`` / ``SLACK_CHANNELS``,
mentions elsewhere, public answers to messages (and, on Slack, ``SLACK_ASK_EPHEMERAL``
for commands). The row is read on every message, so a change made by any process
takes effect on the next message; when the database fails, the default applies.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.db.schema import ChannelMode

if TYPE_CHECKING:
    from bot.db import ChannelConfigs, ChannelSettings

log = logging.getLogger(__name__)

__all__ = ["ChannelRule", "ChannelRules"]


@dataclass(frozen=True)
class ChannelRule:
    """A channel's behaviour now.

    Attributes:
        mode: Off, mention-only, or every message.
        private: Answers visible to the asker alone by default.
        configured: Set by an admin (False: the settings' default).
    """

    mode: ChannelMode
    private: bool
    configured: bool = False

    @property
    def off(self) -> bool:
        return self.mode is ChannelMode.OFF

    @property
    def every_message(self) -> bool:
        return self.mode is ChannelMode.EVERY_MESSAGE


def default_rule(*, every_message: bool, private: bool = False) -> ChannelRule:
    """The behaviour of a channel no admin configured."""
    return ChannelRule(ChannelMode.EVERY_MESSAGE if every_message else ChannelMode.MENTION, private)


def rule_of(row: ChannelSettings) -> ChannelRule:
    return ChannelRule(row.mode, row.private, configured=True)


class ChannelRules:
    """Reads a channel's rule from the database (None: there is none; every channel keeps its default).

    Args:
        configs: The database's channel configuration; None without a database.
        platform: ``discord`` or ``slack``.
    """

    def __init__(self, configs: ChannelConfigs | None, platform: str) -> None:
        self.configs = configs
        self.platform = platform

    async def rule(self, guild: str | int | None, channel: str | int, default: ChannelRule) -> ChannelRule:
        """The channel's rule: the admin's when one is set, else ``default``."""
        if self.configs is None:
            return default
        try:
            row = await self.configs.get(self.platform, guild, channel)
        except Exception as error:  # answering matters more than the configuration
            log.warning("Could not read channel %s's configuration: %s", channel, type(error).__name__)
            return default
        return default if row is None else rule_of(row)
