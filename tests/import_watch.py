"""Run a module as ``python -m`` would, writing down every import of torch and its kin.

    python -m tests.import_watch REPORT MODULE [ARGS...]

REPORT gets one ``imported NAME`` line for each import of torch, transformers or
sentence-transformers (at the moment it happens, so a long-running bot is covered from its
first line), and at exit an ``exit:`` line listing those still in ``sys.modules``. A report
without its ``exit:`` line means the process did not end normally.
"""

from __future__ import annotations

import atexit
import importlib.abc
import runpy
import sys
from pathlib import Path

HEAVY = frozenset({"torch", "transformers", "sentence_transformers"})


def _heavy(name: str) -> bool:
    return name.split(".", 1)[0] in HEAVY


class _Watch(importlib.abc.MetaPathFinder):
    """Notes heavy imports and leaves finding them to the other finders."""

    def __init__(self, report: Path) -> None:
        self.report = report

    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        if _heavy(name) and name not in sys.modules:
            with self.report.open("a", encoding="utf-8") as out:
                out.write(f"imported {name}\n")


def _at_exit(report: Path) -> None:
    loaded = sorted(name for name in sys.modules if _heavy(name))
    with report.open("a", encoding="utf-8") as out:
        out.write(f"exit: {' '.join(loaded)}\n")


def main() -> None:
    report, module, *args = sys.argv[1:]
    path = Path(report)
    path.write_text("", encoding="utf-8")
    sys.meta_path.insert(0, _Watch(path))
    atexit.register(_at_exit, path)
    sys.argv = [module, *args]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
