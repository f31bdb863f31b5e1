"""Markers that keep the fast lane honest, what tests share, and a way to run them in reverse order.

- ``model``: the test loads the embedding model, here or in a bot process it starts.
  Tests that use the ``embedder`` fixture get it from that fixture.
- ``process``: the test starts a process (``python -m bot ...``).

``make test-fast`` runs ``-m "not model and not process"``. So that nothing slips into
it, a test that is not marked ``process`` cannot start one (the ``subprocess.Popen``
audit event is refused), and a test not marked ``model`` cannot construct an
:class:`index.embed.Embedder`; either fails with a line saying which marker to add.
A bot process that loads the model is beyond that check: its tests are marked by hand.

Sharing, so that the suite runs in parallel (``make test`` runs pytest-xdist workers)
without doing the same slow work twice:

- ``prebuilt`` (session): indexes built once a run for every worker, copied into each
  test that asks (tests/prebuilt.py). Use it whenever a test needs an index but does
  not test building one; tests that use it are marked ``model``.
- ``embedder`` (tests/index/conftest.py) and ``pg_server`` (tests/db/conftest.py, one
  PostgreSQL server, a new database for each test): once per worker.
- ``sqlite_template`` and ``pg_migrated``: a database migrated once per worker, which the
  tests that want a migrated database copy (``sqlite_migrated``, ``migrated_url``, ``db``:
  tests/databases.py) instead of migrating a new one each.
- A module-scoped fixture (a bot process, an index built in the module) is set up once
  per worker that runs one of its tests; so every test of a module that has one is put in
  its module's ``xdist_group`` and all of them run on one worker, setting it up once
  (tests/xdist_schedule.py: pytest-xdist's own grouping no longer works with pytest 9.2).
  Anything else goes to whichever worker is free, so a test must not depend on another
  having run: temporary folders, free ports, nothing written into the repository.

``--reverse`` runs the collected tests last to first, to show that no test depends on
what an earlier one left behind.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from index import embed
from tests import databases
from tests.prebuilt import Prebuilt

_running: list[pytest.Item] = []  # the test whose setup, call or teardown runs now


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--reverse", action="store_true", help="run the collected tests in reverse order")


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the xdist_group marks
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # A whole module is one group when any of its tests uses a module-scoped fixture: a test may
    # also ask for one by name (request.getfixturevalue), which its fixture list does not show.
    shared = {_module(item) for item in items if _uses_module_fixture(item)}
    for item in items:
        fixtures = getattr(item, "fixturenames", ())
        if "embedder" in fixtures or "prebuilt" in fixtures:
            item.add_marker(pytest.mark.model)
        if _module(item) in shared:
            item.add_marker(pytest.mark.xdist_group(_module(item)))
    if config.getoption("--reverse"):
        items.reverse()


def _module(item: pytest.Item) -> str:
    return item.nodeid.split("::")[0]


def _uses_module_fixture(item: pytest.Item) -> bool:
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return False
    return any(defs[-1].scope == "module" for defs in info.name2fixturedefs.values())


@pytest.fixture(scope="session")
def prebuilt(tmp_path_factory: pytest.TempPathFactory) -> Prebuilt:
    """Indexes built once a run, shared by every worker: see tests/prebuilt.py."""
    base = tmp_path_factory.getbasetemp()
    # Each pytest-xdist worker has its own basetemp inside the run's folder: share that one.
    return Prebuilt((base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "prebuilt")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database migrated once a worker (tests/databases.py): copy it, never open it."""
    return databases.sqlite_template(tmp_path_factory.mktemp("migrated"))


@pytest.fixture
def sqlite_migrated(tmp_path: Path, sqlite_template: Path) -> Path:
    """``tmp_path/citebot.db``, already at the newest schema: what ``Database.open(None, data_dir=tmp_path)`` opens."""
    return databases.sqlite_copy(sqlite_template, tmp_path)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    # Wraps setup, call and teardown, so module-wide fixtures count for the test that starts them.
    _running.append(item)
    try:
        return (yield)
    finally:
        _running.pop()


_shared_servers = 0  # session-wide servers starting or stopping: theirs, not the running test's


@contextlib.contextmanager
def shared_server_processes() -> Iterator[None]:
    """Processes a session-wide fixture starts or stops inside this block belong to no one test
    (its teardown runs during whichever test happens to be last)."""
    global _shared_servers  # noqa: PLW0603 - one counter for the audit hook, which has no other state
    _shared_servers += 1
    try:
        yield
    finally:
        _shared_servers -= 1


def _require(marker: str, doing: str) -> None:
    if _shared_servers:
        return
    if _running and _running[-1].get_closest_marker(marker) is None:
        raise RuntimeError(f"{_running[-1].nodeid} {doing}: mark it @pytest.mark.{marker} (see tests/conftest.py)")


def _refuse_unmarked_processes(event: str, args: tuple[Any, ...]) -> None:
    if event == "subprocess.Popen":
        _require("process", "starts a process")


def pytest_configure(config: pytest.Config) -> None:
    if config.pluginmanager.hasplugin("xdist"):
        from tests import xdist_schedule

        config.pluginmanager.register(xdist_schedule, "citebot-xdist-schedule")
    sys.addaudithook(_refuse_unmarked_processes)  # audit hooks cannot be removed; outside a test it does nothing
    load = embed.Embedder.__init__

    def guarded(self: embed.Embedder, *args: Any, **kwargs: Any) -> None:
        _require("model", "loads the embedding model")
        load(self, *args, **kwargs)

    embed.Embedder.__init__ = guarded  # type: ignore[method-assign]
