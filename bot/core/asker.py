"""Who asks a question, and where: the one thing every front end tells the pipeline about a person."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Asker:
    """Who asks, and where.

    Attributes:
        platform: ``discord``, ``slack`` or ``terminal``.
        user: The asker's id on the platform, unique within it (Slack's is ``TEAM:USER``).
            The rate limit's key; never logged.
        place: The Discord guild or Slack team, when there is one.
        channel: The channel, when there is one.
    """

    platform: str
    user: str
    place: str | None = None
    channel: str | None = None
