"""Posting at a ``response_url``, with a refusal raised rather than returned.

slack_sdk's webhook client (and bolt's ``respond``, built on it) returns Slack's answer
without raising: a ``response_url`` past its 30 minutes (``404 expired_url``), used five
times (``used_url``), or a message Slack refuses (``400 invalid_blocks``) would pass for
delivered. :func:`checked` raises :class:`ResponseUrlRefused` instead, so an answer that
did not arrive is logged ``undelivered`` and a listener's failure is apologised for.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

__all__ = ["ResponseUrlRefused", "checked", "post_to"]


class ResponseUrlRefused(Exception):
    """Slack refused what was posted at a ``response_url``; ``status`` and Slack's one-word reason."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(f"{status} {reason}")
        self.status = status
        self.reason = reason


def _accepted(response: Any) -> Any:
    status = int(getattr(response, "status_code", 200) or 200)
    if status >= 400:
        raise ResponseUrlRefused(status, str(getattr(response, "body", "") or "")[:100])
    return response


def checked(respond: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    """``respond`` (bolt's), raising :class:`ResponseUrlRefused` when Slack refuses what it posts."""

    async def send(**message: Any) -> Any:
        return _accepted(await respond(**message))

    return send


async def post_to(url: str, **message: Any) -> Any:
    """Post ``message`` at ``url`` (a click's ``response_url``); raises :class:`ResponseUrlRefused`."""
    from slack_sdk.webhook.async_client import AsyncWebhookClient

    return _accepted(await AsyncWebhookClient(url, session=None).send(**message))
