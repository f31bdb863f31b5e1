"""Where the Discord bot's event loop spends its CPU a question: cProfile of the loop's thread under load.

Runs ``bench/discord_bench.py``'s load (the real bot against the fake Discord) with the bot under
``bench.profiled_discord_main``, profiling only the main thread (the event loop's) on its CPU clock,
from after the warm-up to the end of the load, and prints, per question: the thread's CPU by
package (the project's bot/ and index/, discord.py, aiohttp, SQLAlchemy, asyncio or uvloop, the
rest), then the functions with the most CPU of their own and the project's functions with the
most CPU including what they call. The profiler's own overhead inflates every figure (more so for
many small calls), so read the shares and the ranking, and ``discord_bench.py`` for the totals.

Usage: ``.venv/bin/python bench/discord_profile.py [--loop asyncio] [--fake-retriever] [--top 30]
[--questions 400] [--concurrency 20] [--reply-in-threads false]`` (the other flags of discord_bench.py apply).
"""

from __future__ import annotations

import collections
import os
import pstats
import signal
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.discord_bench import build_parser, measure

PACKAGES = (  # (label, a path fragment of its files), first match wins
    ("project bot/", "/bot/"),
    ("project index/", "/index/"),
    ("discord.py", "/discord/"),
    ("aiohttp", "/aiohttp/"),
    ("yarl, multidict", "/yarl/"),
    ("SQLAlchemy", "/sqlalchemy/"),
    ("aiosqlite", "/aiosqlite/"),
    ("asyncio", "/asyncio/"),
    ("logging", "/logging/"),
    ("json", "/json/"),
    ("greenlet", "greenlet"),
)


def package(filename: str, name: str) -> str:
    """The package a profiled function belongs to (C functions are told apart by their name)."""
    if filename == "~":
        return "uvloop (C)" if "uvloop" in name else f"C: {name[:40]}"
    ours = filename.startswith(str(REPO)) and "site-packages" not in filename
    for label, fragment in PACKAGES:
        if fragment in filename and ours == label.startswith("project"):
            return label
    return "other Python"


def print_profile(path: Path, questions: int, top: int) -> None:
    stats = pstats.Stats(str(path))
    table = stats.stats  # type: ignore[attr-defined]
    total = sum(own for _, _, own, _, _ in table.values())
    by_package: collections.Counter[str] = collections.Counter()
    for (filename, _, name), (_, _, own, _, _) in table.items():
        by_package[package(filename, name)] += own
    scale = 1000 / questions
    print(f"  {path.stem}: {scale * total:.2f} ms of the loop thread's CPU a question (profiled), by package:")
    for label, own in by_package.most_common(12):
        print(f"    {label:<44} {scale * own:6.3f} ms  {100 * own / total:4.1f} %")
    print(f"  the {top} functions with the most CPU of their own (ms a question; calls a question):")
    rows = sorted(table.items(), key=lambda item: -item[1][2])[:top]
    for (filename, line, name), (_, calls, own, cumulative, _) in rows:
        where = f"{Path(filename).parent.name}/{Path(filename).name}:{line}" if filename != "~" else ""
        print(f"    {scale * own:6.3f} {scale * cumulative:7.3f} {calls / questions:6.1f}  {name[:48]:<48} {where}")
    print(f"  the project's functions with the most CPU including what they call (top {top}):")
    ours = [item for item in table.items() if package(item[0][0], item[0][2]).startswith("project")]
    for (filename, line, name), (_, calls, _, cumulative, _) in sorted(ours, key=lambda item: -item[1][3])[:top]:
        print(f"    {scale * cumulative:7.3f} {calls / questions:6.1f}  {name[:48]:<48} {Path(filename).name}:{line}")
    print()


def main() -> int:
    parser = build_parser()
    parser.description = __doc__.splitlines()[0]
    parser.add_argument("--top", type=int, default=30, help="functions listed (default 30)")
    parser.set_defaults(loop=["asyncio"], concurrency=[20], reply_in_threads=["false"], questions=400)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="discord-profile-"))
    os.environ["PROFILE_FILE"] = str(folder / "current.prof")
    os.environ["FAKE_RETRIEVER"] = "1" if args.fake_retriever else "0"
    args.main = "bench.profiled_discord_main"
    written: list[Path] = []

    def toggle(pid: int) -> None:
        """Start the bot's profiler, or stop it and keep its statistics under a name of their own."""
        os.kill(pid, signal.SIGUSR1)
        if toggle.on:  # type: ignore[attr-defined]
            current = Path(os.environ["PROFILE_FILE"])
            deadline = time.monotonic() + 30
            while not current.exists() and time.monotonic() < deadline:
                time.sleep(0.05)
            time.sleep(0.2)  # the dump is written whole before the next event runs
            written.append(current.rename(folder / f"bot-{len(written) + 1}.prof"))
        toggle.on = not toggle.on  # type: ignore[attr-defined]

    toggle.on = False  # type: ignore[attr-defined]
    args.between_runs = toggle
    runs, refused, load_before = measure(args)
    print(f"Discord bot's event loop, profiled ({', '.join(args.loop)}; load average {load_before:.1f} before)")
    questions = args.questions * len(args.concurrency)
    for (label, loop, mode, round_), path in zip(runs, written, strict=True):
        print(f"{label}, {loop}, REPLY_IN_THREADS={mode}, round {round_ + 1}:")
        print_profile(path, questions, args.top)
    return 0 if refused == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
