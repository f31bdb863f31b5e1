"""End to end: 2 bot processes x 2 shards (SHARD_COUNT=4) over 8 guilds and one PostgreSQL.

The real ``python -m bot discord`` (with the fake retriever: no model) runs twice against a
fake Discord that recommends 4 shards and routes each guild's events to its shard alone;
both processes share a database on a PostgreSQL server the tests start. The checks:

- every guild's question is answered exactly once, by the process that runs its shard, and
  only the process that runs shard 0 syncs the slash commands;
- two sessions of one shard (a third process given shard 0 again) still answer once: the
  question is claimed in the shared database;
- SIGTERM lets a process deliver the answers it has started; while it is down only its
  shards' questions go unanswered (Discord routes them to no one), and a restart resumes them;
- a shard Discord drops is named by ``python -m bot health`` until it is back.

"Exactly once" is counted after the processes have exited (SIGTERM, answers drained), so a
late duplicate could not be missed.
"""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from bot.core.health import check_connection
from tests.db.conftest import pg_server
from tests.db.postgres import PostgresServer
from tests.discord.harness import BotProcess
from tests.fake_discord import FakeDiscord

__all__ = ["pg_server"]

pytestmark = [pytest.mark.timeout(300), pytest.mark.process]

SHARDS = 4
SPLIT = {"a": "0,1", "b": "2,3"}
_users = itertools.count(720000000000000000)
_databases = itertools.count(1)
QUESTION_LINE = re.compile(r"question platform=discord via=message guild=(\d+)")


@pytest.fixture
def fake() -> Iterator[FakeDiscord]:
    """A fake Discord recommending 4 shards, with 8 guilds, two on each shard."""
    with FakeDiscord(heartbeat_interval=1.0, shards=SHARDS) as server:
        for _ in range(7):
            server.add_guild()
        yield server


@pytest.fixture
def database(pg_server: PostgresServer) -> Iterator[str]:
    """A new database on the test PostgreSQL server, shared by every bot process of a test."""
    name = f"shards{next(_databases)}"
    with psycopg.connect(pg_server.dsn(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield pg_server.url("asyncpg", name)
    with psycopg.connect(pg_server.dsn(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


class Cluster:
    """The bot processes of one test, each with its own folder, on one fake Discord and one database."""

    def __init__(self, fake: FakeDiscord, database: str, root: Path) -> None:
        self.fake = fake
        self.database = database
        self.root = root
        self.started: list[BotProcess] = []
        self._folders = itertools.count(1)

    def start(self, shard_ids: str, **env: str) -> BotProcess:
        """A bot process running ``shard_ids`` of 4, connected (every one of its shards) before it is returned."""
        folder = self.root / f"bot{next(self._folders)}"
        folder.mkdir()
        process = BotProcess(
            self.fake,
            folder,
            fake_retriever=True,
            SHARD_COUNT=str(SHARDS),
            SHARD_IDS=shard_ids,
            DATABASE_URL=self.database,
            ASK_CHANNELS=",".join(str(g.ask_id) for g in self.fake.guilds.values()),
            REPLY_IN_THREADS="false",
            FAKE_IDENTIFY_PAUSE="0",  # the fake has no identify rate limit to respect
            **env,
        )
        self.started.append(process)
        wanted = {int(s) for s in shard_ids.split(",")}
        process.wait_for_shards(wanted, 120)
        assert process.process.poll() is None, process.log()
        return process

    def stop(self) -> None:
        for process in self.started:
            process.stop()


@pytest.fixture
def cluster(fake: FakeDiscord, database: str, tmp_path: Path) -> Iterator[Cluster]:
    group = Cluster(fake, database, tmp_path)
    try:
        yield group
    finally:
        group.stop()


def answered_guilds(process: BotProcess) -> list[int]:
    """The guild of every question the process answered, from its log (one line per question)."""
    return [int(m) for m in QUESTION_LINE.findall(process.log())]


def ask(fake: FakeDiscord, guild_id: int, text: str = "Why did IBM quit facial recognition?") -> int:
    return fake.send_message(text, channel_id=fake.guilds[guild_id].ask_id, user_id=next(_users))


def owner(shard: int) -> str:
    return next(name for name, ids in SPLIT.items() if str(shard) in ids.split(","))


def health(process: BotProcess) -> tuple[bool, str]:
    """What `python -m bot health` says of the process's connection (the fake retriever has no index to check)."""
    return check_connection(process.health_file, time.time())


def test_each_guild_is_answered_once_by_the_process_running_its_shard(fake: FakeDiscord, cluster: Cluster) -> None:
    """8 guilds, one question each: one reply each, from the process whose shards hold the guild; commands synced once."""
    processes = {name: cluster.start(ids) for name, ids in SPLIT.items()}
    asked = {guild_id: ask(fake, guild_id) for guild_id in fake.guilds}
    for message_id in asked.values():
        fake.wait_for_reply(message_id)
    cluster.stop()  # drained and exited: nothing more can arrive

    assert {name: p.process.returncode for name, p in processes.items()} == {"a": 0, "b": 0}
    for guild_id, message_id in asked.items():
        assert len(fake.replies_to(message_id)) == 1, guild_id
        (route,) = fake.routed[message_id]
        assert route[0] == fake.shard_of(guild_id)
    for name, process in processes.items():
        mine = {g for g in fake.guilds if owner(fake.shard_of(g)) == name}
        assert sorted(answered_guilds(process)) == sorted(mine), name
    syncs = [r for r in fake.requests if r[0] == "PUT" and r[1].endswith("/commands")]
    assert len(syncs) == 1
    assert "Slash commands are synced by the process that runs shard 0" in processes["b"].log()


def test_two_sessions_of_one_shard_answer_once(fake: FakeDiscord, cluster: Cluster) -> None:
    """A third process given shard 0 again: both sessions get shard 0's questions, the database lets one answer."""
    first, second = cluster.start("0,1"), cluster.start("0")
    shard_zero = [g for g in fake.guilds if fake.shard_of(g) == 0]
    asked = [ask(fake, g) for g in shard_zero for _ in range(3)]
    for message_id in asked:
        fake.wait_for_reply(message_id)
    cluster.stop()

    for message_id in asked:
        assert [shard for shard, _ in fake.routed[message_id]] == [0, 0]  # both sessions heard it
        assert len(fake.replies_to(message_id)) == 1
    assert len(answered_guilds(first)) + len(answered_guilds(second)) == len(asked)


def test_sigterm_drains_and_a_restart_resumes_the_shards(fake: FakeDiscord, cluster: Cluster, tmp_path: Path) -> None:
    """SIGTERM with answers in flight: they are delivered, exit 0. While down, only its shards go unanswered;
    the other process answers on; restarted, it answers its shards again."""
    gate = tmp_path / "gate"
    a = cluster.start(SPLIT["a"], FAKE_RETRIEVER_GATE=str(gate))
    b = cluster.start(SPLIT["b"])
    guilds_a = [g for g in fake.guilds if owner(fake.shard_of(g)) == "a"]
    guilds_b = [g for g in fake.guilds if owner(fake.shard_of(g)) == "b"]
    in_flight = [ask(fake, g) for g in guilds_a]
    channels = {fake.guilds[g].ask_id for g in guilds_a}
    fake.wait_until(lambda: channels <= {c for c, _ in fake.typing}, 30, "every question of a in flight")
    fake.wait_until(lambda: Path(f"{gate}.entered").exists(), 30, "a's retriever working")
    a.process.send_signal(15)
    fake.wait_until(lambda: "Shutting down" in a.log(), 30, "a shutting down")
    gate.touch()
    assert a.wait(60) == 0, a.log()
    for message_id in in_flight:
        assert len(fake.replies_to(message_id)) == 1
    fake.wait_until(lambda: not {0, 1} & {shard for shard, _ in fake.sessions()}, 30, "a's sessions closed")

    lost = ask(fake, guilds_a[0])
    assert lost not in fake.routed  # no session of its shard: Discord delivers it to no one
    fake.wait_for_reply(ask(fake, guilds_b[0]))

    restarted = cluster.start(SPLIT["a"])
    resumed = ask(fake, guilds_a[1])
    fake.wait_for_reply(resumed)
    cluster.stop()
    assert answered_guilds(restarted) == [guilds_a[1]]
    assert len(fake.replies_to(resumed)) == 1
    assert sorted(answered_guilds(b)) == [guilds_b[0]]


def test_health_names_a_dropped_shard_until_it_is_back(fake: FakeDiscord, cluster: Cluster) -> None:
    """Discord drops shard 3: `health` of the process running 2,3 fails naming shard 3; healthy again once resumed."""
    process = cluster.start(SPLIT["b"])
    healthy, line = health(process)
    assert "shards 2, 3 of 4 connected" in line, line
    fake.drop_shard(3)
    fake.wait_until(lambda: process.connected_shards() == {2}, 30, "shard 3 reported down")
    healthy, line = health(process)
    assert not healthy
    assert "shard 3 of 4" in line and "disconnected" in line, line
    fake.release_shard(3)
    fake.wait_until(lambda: process.connected_shards() == {2, 3}, 60, "shard 3 back")
    healthy, line = health(process)
    assert "shards 2, 3 of 4 connected" in line, line


def test_too_few_shards_is_one_line_and_status_2(fake: FakeDiscord, database: str, tmp_path: Path) -> None:
    """SHARD_COUNT=2 where Discord requires 4 (close 4011): exit status 2, the last line says to raise SHARD_COUNT."""
    process = BotProcess(fake, tmp_path, fake_retriever=True, SHARD_COUNT="2", SHARD_IDS="0", DATABASE_URL=database)
    assert process.wait(120) == 2
    last = process.log().strip().splitlines()[-1]
    assert last.startswith("ConfigError: Discord requires more shards than SHARD_COUNT=2: raise it"), last
