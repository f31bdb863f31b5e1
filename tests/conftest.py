"""Markers that keep the fast lane honest, and a way to run the tests in reverse order.

- ``model``: the test loads the embedding model, here or in a bot process it starts.
  Tests that use the ``embedder`` fixture get it from that fixture.
- ``process``: the test starts a process (``python -m bot ...``).

``make test-fast`` runs ``-m "not model and not process"``. So that nothing slips into
it, a test that is not marked ``process`` cannot start one (the ``subprocess.Popen``
audit event is refused), and a test not marked ``model`` cannot construct an
:class:`index.embed.Embedder`; either fails with a line saying which marker to add.
A bot process that loads the model is beyond that check: its tests are marked by hand.

``--reverse`` runs the collected tests last to first, to show that no test depends on
what an earlier one left behind.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from index import embed

_running: list[pytest.Item] = []  # the test whose setup, call or teardown runs now


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--reverse", action="store_true", help="run the collected tests in reverse order")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "embedder" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.model)
    if config.getoption("--reverse"):
        items.reverse()


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
    sys.addaudithook(_refuse_unmarked_processes)  # audit hooks cannot be removed; outside a test it does nothing
    load = embed.Embedder.__init__

    def guarded(self: embed.Embedder, *args: Any, **kwargs: Any) -> None:
        _require("model", "loads the embedding model")
        load(self, *args, **kwargs)

    embed.Embedder.__init__ = guarded  # type: ignore[method-assign]
