"""The bad-input suite (issue 14): every case crashes nothing, loses nothing and does what the fix promises.

The cases live in tests/bad_input/cases.py, shared with `make bench` (bench/bad_input.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.bad_input.cases import ARTICLE, CASES, Built, Case
from tests.prebuilt import Prebuilt

# Every case runs the real bot, which loads the model.
pytestmark = [pytest.mark.process, pytest.mark.model]


@pytest.fixture(autouse=True)
def shared_index(prebuilt: Prebuilt) -> Iterator[None]:
    """The cases that damage a built index copy the run's shared one (not a module's: the cases run in parallel)."""
    Built.use(prebuilt.index(ARTICLE))
    yield
    Built.cleanup()


# Each case starts the real bot, some several times (build, ask, health, repair): minutes on a busy machine.
@pytest.mark.timeout(1800)
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input_case(case: Case, tmp_path: Path) -> None:
    """The case runs without a traceback, loses no file or answer, and meets its expectation."""
    outcome = case.run(tmp_path)
    assert not outcome.crashed, outcome.unmet
    assert outcome.lost == []
    assert outcome.unmet == []
