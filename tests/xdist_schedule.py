"""How ``make test`` shares the tests out among pytest-xdist workers (``--dist loadgroup``).

pytest-xdist's own ``loadgroup`` puts the tests of one ``xdist_group`` on one worker by adding
the group's name to each test's node id, and pytest 9.2 no longer lets a plugin change a node
id (pytest-dev/pytest-xdist#1386): the groups were silently ignored, and every worker that ran
a test of a module with a module-scoped bot process started that process again. This
scheduler takes the groups from the workers' collection instead of from the node ids:

- each worker writes, once it has collected, every test's group (``xdist_group``, set by
  tests/conftest.py for the tests of a module-scoped fixture) and its rough cost (from its
  ``process`` and ``model`` marks) to a file the controller named;
- the controller makes one unit of work of each group and of every other test, and hands out
  the costliest units first, so that the long ones start at once and the many quick tests
  fill the gaps at the end, instead of one long group starting last.

Everything else (how much each worker is given, what it reports) is pytest-xdist's
``LoadScopeScheduling``.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
from xdist.scheduler import LoadScopeScheduling

_KEY = "citebot_groups_file"  # in the workers' workerinput: where to write what they collected
# Rough seconds a test costs by its marks: only the order of the units depends on them.
_COST = {"process": 3.0, "model": 1.0}
_OTHER_COST = 0.02


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> LoadScopeScheduling | None:
    if config.getoption("dist") != "loadgroup":
        return None
    return GroupScheduling(config, log)


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    node.workerinput[_KEY] = str(_groups_file(node.config))


def _groups_file(config: pytest.Config) -> Path:
    folder = getattr(config, "_citebot_groups_dir", None)
    if folder is None:
        folder = tempfile.mkdtemp(prefix="citebot-xdist-")
        config._citebot_groups_dir = folder  # type: ignore[attr-defined]
        config.add_cleanup(lambda: shutil.rmtree(folder, ignore_errors=True))
    return Path(folder) / "groups.json"


def pytest_collection_finish(session: pytest.Session) -> None:
    """In a worker: write every collected test's group and cost (after every hook that changes node ids)."""
    target = getattr(session.config, "workerinput", {}).get(_KEY)
    if target is None:
        return
    tests = {}
    for item in session.items:
        mark = item.get_closest_marker("xdist_group")
        group = (mark.args[0] if mark.args else mark.kwargs.get("name", "default")) if mark else None
        cost = max((c for name, c in _COST.items() if item.get_closest_marker(name)), default=_OTHER_COST)
        tests[item.nodeid] = [group, cost]
    # Every worker writes the same; a rename makes each write whole.
    partial = f"{target}.{os.getpid()}"
    Path(partial).write_text(json.dumps(tests), encoding="utf-8")
    os.replace(partial, target)


class GroupScheduling(LoadScopeScheduling):
    """One unit of work a group (or a test outside any), the costliest units handed out first."""

    def __init__(self, config: pytest.Config, log: Any = None) -> None:
        super().__init__(config, log)
        self._tests: dict[str, list[Any]] | None = None

    def _info(self, nodeid: str) -> list[Any]:
        if self._tests is None:  # every worker has collected (and written the file) by now
            self._tests = json.loads(_groups_file(self.config).read_text(encoding="utf-8"))
        return self._tests.get(nodeid, [None, _OTHER_COST])

    def _split_scope(self, nodeid: str) -> str:
        group = self._info(nodeid)[0]
        return f"group {group}" if group is not None else nodeid

    def schedule(self) -> None:
        assert self.collection_is_completed
        if self.collection is None:
            if not self._check_nodes_have_same_collection():
                self.log("**Different tests collected, aborting run**")
                return
            self.collection = list(next(iter(self.registered_collections.values())))
            units: dict[str, dict[str, bool]] = {}
            for nodeid in self.collection:
                units.setdefault(self._split_scope(nodeid), {})[nodeid] = False

            def cost(scope: str) -> float:
                return sum(self._info(nodeid)[1] for nodeid in units[scope])

            for scope in sorted(units, key=cost, reverse=True):  # stable: collection order among equals
                self.workqueue[scope] = units[scope]
            for node in self.nodes[len(self.workqueue) :]:  # more workers than units of work
                del self.assigned_work[node]
                node.shutdown()
            for node in self.nodes:
                self._assign_work_unit(node)
        for node in self.nodes:
            self._reschedule(node)
