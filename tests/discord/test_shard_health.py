"""Sharding in one process, without Discord: client options, who syncs, each shard's health, claims."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import pytest

from bot.core.health import check_connection, shard_summary
from bot.core.runtime import HealthBeacon
from bot.core.settings import Settings
from bot.discord.shards import Claims, ShardHealth, runs_shard_zero, shard_options

NOW = 1_800_000_000.0


def test_client_options_follow_the_settings() -> None:
    """Unset: none (discord.py asks Discord); a count alone; a count and the ids as a list."""
    plain = Settings(_env_file=None)  # type: ignore[call-arg]
    counted = Settings(_env_file=None, shard_count=4)  # type: ignore[call-arg]
    split = Settings(_env_file=None, shard_count=4, shard_ids="2-3")  # type: ignore[call-arg]
    assert shard_options(plain) == {}
    assert shard_options(counted) == {"shard_count": 4}
    assert shard_options(split) == {"shard_count": 4, "shard_ids": [2, 3]}


@pytest.mark.parametrize(("ids", "syncs"), [(None, True), ([0, 1], True), ([2, 3], False), ([1], False)])
def test_only_the_process_running_shard_zero_syncs(ids: list[int] | None, syncs: bool) -> None:
    """Every shard here (None) or shard 0 among them: sync the commands; otherwise leave it to that process."""
    assert runs_shard_zero(ids) is syncs


def health_of(states: dict[int, bool], latencies: dict[int, float] | None = None) -> ShardHealth:
    clock = iter([NOW - 60, NOW - 30, NOW - 12, NOW - 5])
    health = ShardHealth(clock=lambda: next(clock))
    health.expect(sorted(states), 4)
    for shard in sorted(states):
        health.up(shard)
    for shard, up in sorted(states.items()):
        if not up:
            health.down(shard)
    return health


def test_every_shard_connected_is_healthy_with_latencies() -> None:
    """Shards 2 and 3 up: the report says so, and health says connected with each heartbeat latency."""
    health = health_of({2: True, 3: True})
    assert health.disconnected() == []
    report = health.report({2: 0.0412, 3: 0.038})
    assert json.loads(report)["shards"]["2"] == {"connected": True, "since": NOW - 60, "latency_ms": 41.2}
    assert shard_summary(report, NOW) == (True, "shards 2, 3 of 4 connected (heartbeat latency 41, 38 ms)")


def test_a_disconnected_shard_is_named() -> None:
    """Shard 3 down for 12 s: unhealthy, naming shard 3 and how long."""
    health = health_of({2: True, 3: False})
    assert health.disconnected() == [3]
    healthy, words = shard_summary(health.report({2: 0.04, 3: float("inf")}), NOW) or (True, "")
    assert not healthy
    assert words == "disconnected: shard 3 of 4 for 12 s"


def test_a_shard_not_connected_yet_is_named() -> None:
    """A shard this process runs that never connected is down too ("not yet")."""
    health = ShardHealth(clock=lambda: NOW)
    health.expect([0, 1], 2)
    health.up(0)
    assert shard_summary(health.report({}), NOW) == (False, "disconnected: shard 1 of 2 not yet")


def test_a_file_without_shards_is_judged_by_its_age_alone() -> None:
    """The Slack bot only touches the file: no shard summary, so freshness alone decides."""
    assert shard_summary("", NOW) is None
    assert shard_summary("not json", NOW) is None


async def test_the_beacon_writes_the_report_and_health_reads_it(tmp_path: Path) -> None:
    """The beacon writes the shards' report into HEALTH_FILE; `health` names the shard that went down."""
    path = tmp_path / "citebot.health"
    health = ShardHealth()
    health.expect([0, 1], 2)
    health.up(0)
    health.up(1)
    beacon = HealthBeacon(path, lambda: health.started, report=lambda: health.report({0: 0.01, 1: 0.02}))
    async with beacon:
        beacon.touch()
        healthy, line = check_connection(path, path.stat().st_mtime)
        assert healthy, line
        assert "shards 0, 1 of 2 connected" in line
        health.down(1)
        beacon.touch()
        healthy, line = check_connection(path, path.stat().st_mtime)
    assert not healthy
    assert "shard 1 of 2" in line
    assert not path.exists()  # removed on exit


class FailingEvents:
    async def first_time(self, platform: str, event_id: str) -> bool:
        raise ConnectionError("the database is down")


async def test_claims_without_a_shared_database_always_win() -> None:
    """SQLite is one process's own: no claim to make, Discord's routing is the guarantee."""
    claims = Claims()
    assert all(await asyncio.gather(*(claims.first_time("message:1") for _ in range(3))))


async def test_a_failing_database_answers_rather_than_drops() -> None:
    """When the claim cannot be made, the process answers (twice beats never)."""
    assert await Claims(FailingEvents()).first_time("message:1")  # type: ignore[arg-type]


async def test_shards_on_one_sqlite_file_are_warned_of_what_they_share(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """SHARD_IDS on SQLite: the warning says rate limits and claims are the process's own and the
    log, votes and settings shared through the file, and so they are: a vote cast by one process
    is counted by another on the same DATA_DIR, while neither claims a message."""
    from bot.core.ratelimit import RateLimiter
    from bot.db import Database
    from bot.discord.client import make_bot
    from tests.fakes import FakeRetriever

    settings = Settings(_env_file=None, data_dir=tmp_path, shard_count=2, shard_ids="0", health_file=tmp_path / "h")  # type: ignore[call-arg]
    async with await Database.open(None, data_dir=tmp_path) as one, await Database.open(None, data_dir=tmp_path) as two:
        bots = [make_bot(FakeRetriever(), settings, db) for db in (one, two)]
        try:
            warned = [r.getMessage() for r in caplog.records if r.getMessage().startswith("SHARD_IDS without")]
            assert len(warned) == 2
            assert "rate limits and claims are this process's own" in warned[0]
            assert "question log, votes and channel settings are shared only by processes using one SQLite" in warned[0]
            assert all(b.claims.events is None and isinstance(b.pipeline.limiter, RateLimiter) for b in bots)
            answer = await one.questions.record(platform="discord", asker=1, question="Why?", outcome="answered")
            await one.votes.cast(answer, 2, up=True)
            assert (await two.votes.tally(answer)).up == 1
        finally:
            for bot in bots:
                await bot.close()


async def test_the_beacon_removes_only_the_file_it_last_wrote(tmp_path: Path) -> None:
    """Two bots sharing HEALTH_FILE (both left at /tmp/citebot.health on one host): the one that stops leaves
    the file the other wrote since; a file there before that it never wrote (it never connected) is left too."""
    path = tmp_path / "citebot.health"
    async with HealthBeacon(path, lambda: False, interval=3600) as beacon:
        beacon.touch()
        os.utime(path, ns=(0, path.stat().st_mtime_ns + 10**9))  # the other bot's touch, a second later
    assert path.exists()
    async with HealthBeacon(path, lambda: False, interval=3600):
        pass
    assert path.exists()
    async with HealthBeacon(path, lambda: False, interval=3600) as beacon:
        beacon.touch()
    assert not path.exists()  # its own, still as it left it: removed on exit
