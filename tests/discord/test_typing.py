"""The typing indicator without a client: shown only to an asker still waiting, never at the answer's cost."""

from __future__ import annotations

import asyncio

import discord
import pytest

from bot.discord.cogs.ask import typing_in

pytestmark = pytest.mark.timeout(30)


class Channel:
    """Records each typing request; ``refuse`` makes Discord answer it with an error."""

    def __init__(self, refuse: bool = False) -> None:
        self.typed = asyncio.Event()
        self.requests = 0
        self.refuse = refuse

    async def typing(self) -> None:
        self.requests += 1
        self.typed.set()
        if self.refuse:
            raise discord.DiscordServerError(_Response(), "typing refused")  # type: ignore[arg-type]


class _Response:
    status = 503
    reason = "Service Unavailable"


def typing_task() -> asyncio.Task[None]:
    """The indicator's task that ``typing_in`` started around the running body."""
    (task,) = [t for t in asyncio.all_tasks() if t.get_name() == "typing"]
    return task


async def test_a_slow_answer_shows_typing_once_while_it_is_worked_on() -> None:
    """Still working after ``after`` seconds: one typing request, sent before the body ends."""
    channel = Channel()
    async with typing_in(channel, after=0.01):  # type: ignore[arg-type]
        await asyncio.wait_for(channel.typed.wait(), 10)
        seen_inside = channel.requests
    assert seen_inside == 1
    assert channel.requests == 1


async def test_an_answer_ready_before_the_delay_sends_no_typing_at_all() -> None:
    """A body that ends first cancels the indicator: its request is never made, though the loop ran meanwhile."""
    channel = Channel()
    async with typing_in(channel, after=60):  # type: ignore[arg-type]
        indicator = typing_task()
        for _ in range(20):  # an immediate indicator would have been sent during these turns of the loop
            await asyncio.sleep(0)
    await asyncio.gather(indicator, return_exceptions=True)  # cancelled: let it finish before looking
    assert indicator.cancelled()
    assert channel.requests == 0


async def test_a_refused_typing_request_never_costs_the_answer() -> None:
    """Discord refusing the indicator is logged, not raised: the body runs to its end."""
    channel = Channel(refuse=True)
    finished = False
    async with typing_in(channel, after=0):  # type: ignore[arg-type]
        indicator = typing_task()
        await asyncio.wait_for(channel.typed.wait(), 10)
        await asyncio.wait_for(asyncio.shield(indicator), 10)  # raises here if the refusal escaped the task
        finished = True
    assert finished and channel.requests == 1
    assert indicator.done() and not indicator.cancelled() and indicator.exception() is None
