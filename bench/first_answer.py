"""One piped `ask --json -` process, timed: start to first answer, then the peak RSS once it
has answered a list of questions. Shared by the benches that report start-up and memory."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIRST_QUESTION = "Why did IBM quit facial recognition?"


@dataclass(frozen=True)
class StartUp:
    wall: float  # seconds from process start to the first answer
    cpu: float  # CPU seconds of the process by then: does not grow with other people's load as wall time does
    peak_mb: float  # VmHWM once every question is answered


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a running process so far (/proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_and_answer(
    env: dict[str, str], questions: Sequence[str], command: Sequence[str] = ("-m", "bot"), cwd: Path = ROOT
) -> StartUp:
    """Run ``python COMMAND ask --json -`` with ``env`` in ``cwd``, ask FIRST_QUESTION, then ``questions``."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, *command, "ask", "--json", "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
        cwd=cwd,
        text=True,
    )
    assert proc.stdin and proc.stdout
    proc.stdin.write(FIRST_QUESTION + "\n")
    proc.stdin.flush()
    proc.stdout.readline()
    wall = time.perf_counter() - started
    cpu = cpu_seconds(proc.pid)
    proc.stdin.write("".join(q + "\n" for q in questions))
    proc.stdin.flush()
    for _ in questions:
        proc.stdout.readline()
    # VmHWM is the process's own peak since exec (rusage of children would count the
    # benchmark's memory too, copied at fork).
    status = Path(f"/proc/{proc.pid}/status").read_text()
    peak = int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM"))) / 1024
    proc.stdin.close()
    proc.wait()
    return StartUp(wall, cpu, peak)
