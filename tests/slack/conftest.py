"""Fixtures of the Slack tests: the PostgreSQL server of the database tests, for the replicas' tests."""

from __future__ import annotations

from tests.db.conftest import pg_server

__all__ = ["pg_server"]
