"""docker-compose.yml: the single bot by default; the `scale` profile splits the shards over one PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bot.core.settings import parse_shard_ids

ROOT = Path(__file__).resolve().parents[1]


def services() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))["services"]


def test_the_default_service_is_one_process_on_its_own_database() -> None:
    """`docker compose up` starts `citebot` alone: no profile, no sharding, SQLite on the volume."""
    started = [name for name, service in services().items() if not service.get("profiles")]
    assert started == ["citebot"]
    environment = services()["citebot"]["environment"]
    assert not {"SHARD_COUNT", "SHARD_IDS", "DATABASE_URL"} & set(environment)


def test_the_scale_profile_splits_every_shard_once_over_one_postgresql() -> None:
    """Two bot processes with one SHARD_COUNT, disjoint SHARD_IDS covering 0..N-1, one PostgreSQL URL, waiting for it."""
    scale = {name: s for name, s in services().items() if "scale" in s.get("profiles", [])}
    assert scale["postgres"]["image"].startswith("postgres:")
    bots = {name: s for name, s in scale.items() if s.get("command") == ["discord"]}
    assert len(bots) == 2
    counts = {int(s["environment"]["SHARD_COUNT"]) for s in bots.values()}
    urls = {s["environment"]["DATABASE_URL"] for s in bots.values()}
    assert len(counts) == 1 and len(urls) == 1
    (count,), (url,) = counts, urls
    ids = [i for s in bots.values() for i in parse_shard_ids(s["environment"]["SHARD_IDS"]) or ()]
    assert sorted(ids) == list(range(count))
    assert url.startswith("postgresql+asyncpg://") and "@postgres:5432/" in url
    for service in bots.values():
        assert service["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert service["healthcheck"]["test"] == ["CMD-SHELL", "python -m bot health"]
