"""How a source change's outcome is told (bot/core/admin.py, ``tell_change``): the first way that works, and
the one rule, for every front end, on a way that fails.

A definite refusal (a status below 500) told nobody: the next way tells it plainly. Any other failure (a 5xx,
no answer at all) may have told it: the next way tells it all the same, saying it may repeat. Then what each
front end counts as the platform's answer.
"""

from __future__ import annotations

import logging
from types import SimpleNamespace

import aiohttp
import discord
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.slack_response import SlackResponse

from bot.core import wording
from bot.core.admin import Done, Tell, Waiting, tell_change
from bot.discord.late import answered as discord_answered
from bot.slack.admin import answered as slack_answered
from bot.slack.respond import ResponseUrlRefused

DONE = Done("Added “A”. New questions use it now.", changed=True)


class Failed(Exception):
    """A way's failure, with the status the platform answered (None: no answer)."""

    def __init__(self, status: int | None) -> None:
        super().__init__(status)
        self.status = status


def way(told: list[tuple[str, bool]], name: str, *fails: int | None) -> Tell:
    """A way to tell that records (its name, ``unsure``), then works, or fails with the status given."""

    async def tell(done: Done, unsure: bool) -> None:
        assert done is DONE
        told.append((name, unsure))
        if fails:
            raise Failed(fails[0])

    return tell


async def run(*ways: Tell, queued: Waiting | None = None) -> Done:
    async def change(waiting: Waiting) -> Done:
        await waiting()
        return DONE

    async def said() -> None:
        pass

    return await tell_change(
        change, queued=queued or said, ways=ways, status=lambda error: getattr(error, "status", None)
    )


async def test_the_first_way_that_works_tells_it_and_no_other() -> None:
    told: list[tuple[str, bool]] = []
    assert await run(way(told, "reply"), way(told, "late")) is DONE
    assert told == [("reply", False)]


@pytest.mark.parametrize("status", [401, 404, 403, 429, 400, 200])  # 200: Slack's Web API ``ok: false``
async def test_a_definite_refusal_passes_the_outcome_on_plainly(status: int) -> None:
    """The token or response_url expired, or another 4xx: nothing was posted, so the next way says it as usual."""
    told: list[tuple[str, bool]] = []
    await run(way(told, "reply", status), way(told, "late"))
    assert told == [("reply", False), ("late", False)]


@pytest.mark.parametrize("status", [None, 500, 502, 503])  # None: a timeout, a dropped connection, no answer
async def test_a_failure_that_may_have_told_it_passes_it_on_saying_it_may_repeat(status: int | None) -> None:
    """Lost is worse than twice: the next way still tells it, unsure, and stays unsure after a later refusal."""
    told: list[tuple[str, bool]] = []
    await run(way(told, "reply", status), way(told, "channel", 403), way(told, "dm"))
    assert told == [("reply", False), ("channel", True), ("dm", True)]


async def test_no_way_left_is_logged_and_the_change_still_made(caplog: pytest.LogCaptureFixture) -> None:
    told: list[tuple[str, bool]] = []
    with caplog.at_level(logging.INFO, logger="bot.core.admin"):
        assert await run(way(told, "reply", 401), way(told, "dm", 403)) is DONE
    assert told == [("reply", False), ("dm", False)]
    lines = [r.getMessage() for r in caplog.records]
    assert "Could not tell the outcome of a source change: it was made all the same" in lines
    assert "A source change's outcome was refused (Failed (401))" in lines


async def test_a_queued_notice_that_fails_is_logged_and_the_change_goes_on(caplog: pytest.LogCaptureFixture) -> None:
    async def fails() -> None:
        raise Failed(500)

    told: list[tuple[str, bool]] = []
    assert await run(way(told, "reply"), queued=fails) is DONE
    assert told == [("reply", False)]
    assert any("Could not say that a source change is queued" in r.getMessage() for r in caplog.records)


def test_the_late_text_says_when_it_may_repeat() -> None:
    assert wording.change_told_late("<@1>", "/source add", "Added “A”.") == "<@1>, about your `/source add`: Added “A”."
    assert wording.change_told_late(None, "/source add", "Added “A”.", unsure=True) == (
        "In case my earlier answer to your `/source add` did not reach you: Added “A”."
    )


def discord_error(status: int, code: int) -> discord.HTTPException:
    response = SimpleNamespace(status=status, reason="")
    kind = discord.DiscordServerError if status >= 500 else discord.HTTPException
    return kind(response, {"code": code, "message": ""})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (discord_error(401, 50027), 401),  # the interaction's token expired: Invalid Webhook Token
        (discord_error(404, 10015), 404),  # Unknown Webhook
        (discord_error(403, 50013), 403),  # Missing Permissions in the channel
        (discord_error(503, 0), 503),  # after discord.py's own retries: may have been posted
        (TimeoutError(), None),
        (aiohttp.ServerDisconnectedError(), None),
    ],
)
def test_what_discord_answered(error: BaseException, status: int | None) -> None:
    assert discord_answered(error) == status


def slack_error(status: int, reason: str) -> SlackApiError:
    data = {"ok": False, "error": reason}
    response = SlackResponse(
        client=None, http_verb="POST", api_url="", req_args={}, data=data, headers={}, status_code=status
    )
    return SlackApiError(reason, response)


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (ResponseUrlRefused(404, "expired_url"), 404),
        (ResponseUrlRefused(404, "used_url"), 404),
        (ResponseUrlRefused(500, "internal_error"), 500),
        (slack_error(200, "missing_scope"), 200),  # no im:write: conversations.open refused, nothing sent
        (slack_error(503, "service_unavailable"), 503),
        (TimeoutError(), None),
        (aiohttp.ServerDisconnectedError(), None),
    ],
)
def test_what_slack_answered(error: BaseException, status: int | None) -> None:
    assert slack_answered(error) == status
