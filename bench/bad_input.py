"""`make bench`: the bad-input suite (tests/bad_input/cases.py) as a table of cases tried,
crashes and items lost.

    .venv/bin/python bench/bad_input.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.bad_input.cases import CASES, Built


def main() -> None:
    print("\n## Bad input (tests/bad_input/cases.py, each against the real `python -m bot`)\n")
    print("| case | severity | result | crashed | items lost | s | detail |")
    print("|---|---|---|---|---|---|---|")
    try:
        failed, crashes, lost = _run_all()
    finally:
        Built.cleanup()
    print(f"\n{len(CASES)} cases tried: {crashes} crashed, {lost} items lost, {failed} not as promised")


def _run_all() -> tuple[int, int, int]:
    crashes = lost = failed = 0
    for case in CASES:
        with tempfile.TemporaryDirectory(prefix="citebot-bad-") as tmp:
            started = time.perf_counter()
            try:
                outcome = case.run(Path(tmp))
            except Exception as error:  # a case that cannot even run is reported, not fatal
                print(f"| {case.name} | {case.severity} | error | ? | ? | | {type(error).__name__}: {error} |")
                failed += 1
                continue
        crashes += outcome.crashed
        lost += len(outcome.lost)
        failed += not outcome.ok
        detail = "; ".join([*outcome.lost, *outcome.unmet])[:200]
        print(
            f"| {case.name} | {case.severity} | {'ok' if outcome.ok else 'FAIL'} | {int(outcome.crashed)} "
            f"| {len(outcome.lost)} | {time.perf_counter() - started:.0f} | {detail} |",
            flush=True,
        )
    return failed, crashes, lost


if __name__ == "__main__":
    main()
