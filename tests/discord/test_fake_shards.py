"""The fake Discord shards as Discord does: the recommended count, IDENTIFY's shard, events routed by guild.

Driven by a bare websocket client (no bot): each test opens sessions, pushes events and
reads what each session received, waiting on the frames themselves.
"""

from __future__ import annotations

import asyncio
import json
import urllib.request
from collections.abc import Iterator
from typing import Any

import aiohttp
import pytest

from tests.fake_discord import GUILD_ID, TOKEN, FakeDiscord

READ_TIMEOUT = 10.0  # seconds a read waits for a frame that must come (a bound on a hang, not a timing check)


@pytest.fixture
def fake() -> Iterator[FakeDiscord]:
    """A fake recommending 4 shards, with 8 guilds (two on each shard)."""
    with FakeDiscord(shards=4) as server:
        for _ in range(7):
            server.add_guild()
        yield server


class Session:
    """One gateway connection, identified as one shard."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.close_code: int | None = None  # the code of the close frame the fake sent

    async def read(self) -> dict[str, Any]:
        """The next frame (an error when the socket closes instead)."""
        message = await self.ws.receive(timeout=READ_TIMEOUT)
        if message.type != aiohttp.WSMsgType.TEXT:
            self.close_code = message.data if message.type == aiohttp.WSMsgType.CLOSE else self.ws.close_code
            raise ConnectionError(f"closed with {self.close_code}")
        return json.loads(message.data)

    async def until(self, event: str) -> dict[str, Any]:
        """The data of the next dispatch of ``event`` (others are skipped)."""
        while True:
            frame = await self.read()
            if frame.get("t") == event:
                return frame["d"]

    async def identify(self, shard: list[int]) -> dict[str, Any]:
        """IDENTIFY as ``shard`` ([id, count]); returns READY's data."""
        await self.ws.send_json({"op": 2, "d": {"token": TOKEN, "intents": 0, "shard": shard, "properties": {}}})
        return await self.until("READY")

    async def guild_creates(self, count: int) -> list[int]:
        return [int((await self.until("GUILD_CREATE"))["id"]) for _ in range(count)]


async def connect(session: aiohttp.ClientSession, fake: FakeDiscord) -> Session:
    ws = await session.ws_connect(fake.gateway_url)
    gateway = Session(ws)
    assert (await gateway.read())["op"] == 10  # HELLO
    return gateway


def guilds_on(fake: FakeDiscord, shard: int, count: int = 4) -> list[int]:
    return sorted(g for g in fake.guilds if (g >> 22) % count == shard)


def test_gateway_bot_recommends_the_shard_count(fake: FakeDiscord) -> None:
    """GET /gateway/bot returns the fake's shard count, with the gateway's URL."""
    request = urllib.request.Request(fake.api_base + "/gateway/bot", headers={"Authorization": f"Bot {TOKEN}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        body = json.loads(response.read())
    assert body["shards"] == 4
    assert body["url"] == fake.gateway_url


def test_guilds_spread_over_the_shards(fake: FakeDiscord) -> None:
    """add_guild puts consecutive guilds on consecutive shards: 8 guilds, 2 on each of 4 shards."""
    assert len(fake.guilds) == 8
    assert [len(guilds_on(fake, shard)) for shard in range(4)] == [2, 2, 2, 2]
    assert fake.shard_of(GUILD_ID) == (GUILD_ID >> 22) % 4


def test_ready_and_guild_creates_hold_only_the_shards_guilds(fake: FakeDiscord) -> None:
    """A session of shard 1 of 4 gets READY with shard [1, 4] and its two guilds, then their GUILD_CREATEs."""

    async def go() -> tuple[dict[str, Any], list[int]]:
        async with aiohttp.ClientSession() as http:
            gateway = await connect(http, fake)
            ready = await gateway.identify([1, 4])
            return ready, await gateway.guild_creates(2)

    ready, created = asyncio.run(go())
    assert ready["shard"] == [1, 4]
    assert sorted(int(g["id"]) for g in ready["guilds"]) == guilds_on(fake, 1)
    assert sorted(created) == guilds_on(fake, 1)
    assert fake.identify is not None and fake.identify["shard"] == [1, 4]


def test_each_guilds_events_go_only_to_its_shard(fake: FakeDiscord) -> None:
    """Sessions of shards 0 and 3: a message in each of their guilds reaches that shard's session alone."""

    async def go() -> dict[int, list[int]]:
        async with aiohttp.ClientSession() as http:
            sessions = {shard: await connect(http, fake) for shard in (0, 3)}
            for shard, gateway in sessions.items():
                await gateway.identify([shard, 4])
                await gateway.guild_creates(2)
            pushed = [guilds_on(fake, shard) for shard in (0, 3)]
            for guild_id in (*pushed[0], *pushed[1]):
                channel = fake.guilds[guild_id].ask_id
                await asyncio.to_thread(fake.send_message, f"hello {guild_id}", channel_id=channel)
            # Two messages were pushed for each session's guilds; a third it received would be another's.
            seen: dict[int, list[int]] = {}
            for shard, gateway in sessions.items():
                seen[shard] = [int((await gateway.until("MESSAGE_CREATE"))["guild_id"]) for _ in range(2)]
            return seen

    seen = asyncio.run(go())
    assert sorted(seen[0]) == guilds_on(fake, 0)
    assert sorted(seen[3]) == guilds_on(fake, 3)
    for message_id, routes in fake.routed.items():
        guild = int(fake.messages[message_id]["guild_id"])
        assert [shard for shard, _ in routes] == [fake.shard_of(guild)]


def test_two_sessions_of_one_shard_both_get_its_events(fake: FakeDiscord) -> None:
    """Two sessions identified as shard 2 (two processes given the same SHARD_IDS) both receive its messages."""

    async def go() -> list[str]:
        async with aiohttp.ClientSession() as http:
            sessions = [await connect(http, fake) for _ in range(2)]
            for gateway in sessions:
                await gateway.identify([2, 4])
                await gateway.guild_creates(2)
            channel = fake.guilds[guilds_on(fake, 2)[0]].ask_id
            await asyncio.to_thread(fake.send_message, "twice", channel_id=channel)
            return [(await gateway.until("MESSAGE_CREATE"))["id"] for gateway in sessions]

    first, second = asyncio.run(go())
    assert first == second
    assert [shard for shard, _ in fake.routed[int(first)]] == [2, 2]


@pytest.mark.parametrize(("shard", "code"), [([4, 4], 4010), ([0, 2], 4011)])
def test_a_bad_shard_is_closed_with_discords_code(fake: FakeDiscord, shard: list[int], code: int) -> None:
    """Shard 4 of 4 is closed with 4010 (invalid shard); 2 shards where 4 are needed with 4011 (sharding required)."""

    async def go() -> int | None:
        async with aiohttp.ClientSession() as http:
            gateway = await connect(http, fake)
            await gateway.ws.send_json({"op": 2, "d": {"token": TOKEN, "intents": 0, "shard": shard}})
            with pytest.raises(ConnectionError):
                await gateway.read()
            return gateway.close_code

    assert asyncio.run(go()) == code


def test_a_dropped_shard_is_refused_until_released(fake: FakeDiscord) -> None:
    """drop_shard closes the shard's session (4000) and refuses its RESUME; once released, RESUME gets RESUMED."""

    async def go() -> tuple[int | None, int | None, dict[str, Any]]:
        async with aiohttp.ClientSession() as http:
            gateway = await connect(http, fake)
            ready = await gateway.identify([3, 4])
            resume = {"op": 6, "d": {"token": TOKEN, "session_id": ready["session_id"], "seq": 1}}
            await asyncio.to_thread(fake.drop_shard, 3)
            with pytest.raises(ConnectionError):
                await gateway.until("never")
            dropped = gateway.close_code
            refused = await connect(http, fake)
            await refused.ws.send_json(resume)
            with pytest.raises(ConnectionError):
                await refused.read()
            fake.release_shard(3)
            resumed = await connect(http, fake)
            await resumed.ws.send_json(resume)
            frame = await resumed.read()
            return dropped, refused.close_code, frame

    dropped, refused, frame = asyncio.run(go())
    assert (dropped, refused) == (4000, 4000)
    assert frame["t"] == "RESUMED"
    assert 3 in fake.ready
