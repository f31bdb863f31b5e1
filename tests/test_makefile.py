"""The Makefile's set-up on a machine without ``.venv``: what a new user's first ``make run`` does."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Stands in for another Python (3.12) running the Makefile's `$(PYTHON) -c CODE`.
OTHER_PYTHON = f"""#!{sys.executable}
import sys
sys.version_info = (3, 12, 1, "final", 0)
sys.version = "3.12.1 (a stand-in)"
if sys.argv[1] != "-c":
    sys.exit(f"only -c is stood in for, not {{sys.argv[1:]}}")
exec(compile(sys.argv[2], "<string>", "exec"), {{"__name__": "__main__"}})
"""


@pytest.mark.process
@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_another_python_is_one_line_and_no_venv(tmp_path: Path) -> None:
    for name in ("Makefile", "requirements.txt", "requirements-build.txt", "requirements-dev.txt"):
        shutil.copy(ROOT / name, tmp_path / name)
    python = tmp_path / "python3.12"
    python.write_text(OTHER_PYTHON, encoding="utf-8")
    python.chmod(0o755)

    done = subprocess.run(
        ["make", f"PYTHON={python}", ".venv/.installed"],
        check=False,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode != 0
    assert "Traceback" not in done.stderr, done.stderr
    said = [line for line in done.stderr.splitlines() if not line.startswith("make")]
    assert said == ["citebot needs Python 3.11, not 3.12.1: set PYTHON=python3.11"]
    assert not (tmp_path / ".venv").exists()
