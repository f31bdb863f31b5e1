"""Where an index may be written, and what killed builds leave beside it (a helper of index/store.py).

Building replaces the whole ``INDEX_DIR`` folder, so it must only ever replace a folder that
is citebot's own: one that is empty, or that holds nothing but the files an index is made of
and either a build marker or a citebot manifest. Anything else (the sources folder, a home
folder, a file) is refused in one line before anything is touched or the model is loaded.

Every build writes :data:`MARKER` into its temporary folder first, naming the process that
builds it, so a later build can tell a folder left by a killed build (its builder is gone)
from one still being written, and removes only the former.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import socket
import stat
import tempfile
from pathlib import Path
from typing import Any

from index.errors import IndexLocationError

log = logging.getLogger(__name__)

MARKER = "citebot-build.json"
MANIFEST = "manifest.json"
# Every name an index folder has held, in any format version: only these may be replaced.
INDEX_NAMES = frozenset(
    {
        MANIFEST,
        MARKER,
        "chunks.vectors.npy",
        "sentences.vectors.npy",
        "quotes.vectors.npy",
        "chunks.jsonl",
        "quotes.jsonl",
        "tokens.npy",
        "tokens.codes.npy",
        "tokens.codebook.npy",
        # formats 1 to 4 kept the dense vectors as FAISS files
        "index.faiss",
        "sentences.faiss",
        "quotes.faiss",
    }
)


def new_file_mode(*, folder: bool = False) -> int:
    """The permissions a new file (or folder) gets here: 0666 (0777) less the process's umask, read without
    changing it (``os.umask`` sets it, for every thread, while it is read)."""
    umask = 0o022
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
            if line.startswith("Umask:"):
                umask = int(line.split()[1], 8)
    return (0o777 if folder else 0o666) & ~umask


def build_folder(index_dir: Path) -> Path:
    """A new temporary folder beside ``index_dir`` to build in, with the permissions the index folder has
    (a new one: a new folder's). A temporary folder's own 0700 would keep a bot of another user (a service
    account, a container's) from reading an index an operator built."""
    tmp = Path(tempfile.mkdtemp(prefix=f".{index_dir.name.lstrip('.')}.tmp-", dir=index_dir.parent))
    try:
        mode = stat.S_IMODE(index_dir.stat().st_mode)
    except OSError:
        mode = new_file_mode(folder=True)
    tmp.chmod(mode | stat.S_IRWXU)  # the builder writes it
    return tmp


def real(path: Path) -> Path:
    """``path`` made absolute with its symbolic links resolved (it need not exist)."""
    return Path(os.path.realpath(path))


def check_location(seeds_dir: Path, index_dir: Path) -> None:
    """Refuse an ``index_dir`` that building could not replace without harm.

    Raises:
        IndexLocationError: ``index_dir`` is ``seeds_dir``, one is inside the other, it is a
            file, or it is a folder that is not citebot's (it holds other files).
    """
    index, seeds = real(index_dir), real(seeds_dir)
    if index == seeds:
        raise IndexLocationError(index_dir, f"is the sources folder (SEEDS_DIR={seeds_dir})")
    if index.is_relative_to(seeds):
        raise IndexLocationError(index_dir, f"is inside the sources folder SEEDS_DIR={seeds_dir}")
    if seeds.is_relative_to(index):
        raise IndexLocationError(index_dir, f"holds the sources folder SEEDS_DIR={seeds_dir}")
    check_replaceable(index_dir)


def check_replaceable(index_dir: Path) -> None:
    """Refuse an ``index_dir`` that exists and is not an index folder of citebot's.

    Raises:
        IndexLocationError: it is a file, cannot be listed, or holds what citebot did not write.
    """
    problem = _problem(real(index_dir))
    if problem is not None:
        raise IndexLocationError(index_dir, problem)


def _problem(index: Path) -> str | None:
    try:
        if not index.exists():
            return None
        if not index.is_dir():
            return "is a file, not a folder"
        names = {entry.name for entry in os.scandir(index)}
    except OSError as error:  # a folder on the way that this user may not enter
        return f"cannot be read ({error.strerror or type(error).__name__})"
    if not names:
        return None
    foreign = sorted(names - INDEX_NAMES)
    if foreign:
        shown = ", ".join(foreign[:3]) + (f" and {len(foreign) - 3} more" if len(foreign) > 3 else "")
        return f"is a folder holding files citebot did not write ({shown})"
    if MARKER in names or _is_citebot_manifest(index / MANIFEST):
        return None
    return "is a folder without a citebot manifest"


def _is_citebot_manifest(path: Path) -> bool:
    """Whether ``path`` reads as a manifest citebot wrote (any format version, even a damaged
    one, as long as it names its format and content hash)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return False
    return isinstance(data, dict) and "format_version" in data and "content_hash" in data


# ----- build markers and leftovers of killed builds


def _boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""


def _start_ticks(pid: int) -> str:
    """When process ``pid`` started (clock ticks since boot), so a reused pid is not taken for it."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    return stat.rsplit(")", 1)[-1].split()[19]


def builder() -> dict[str, Any]:
    """What identifies this process as a builder: host, boot, pid and the pid's start time."""
    return {"host": socket.gethostname(), "boot": _boot_id(), "pid": os.getpid(), "started": _start_ticks(os.getpid())}


def mark(folder: Path) -> None:
    """Write the build marker into a new temporary index folder."""
    (folder / MARKER).write_text(json.dumps(builder()) + "\n", encoding="utf-8")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: it exists
        return True
    return True


def builder_gone(marker: dict[str, Any]) -> bool:
    """Whether the process a marker names has ended (False when it ran on another host: unknown)."""
    me = builder()
    if marker.get("host") != me["host"]:
        return False
    if marker.get("boot") and me["boot"] and marker.get("boot") != me["boot"]:
        return True
    pid = marker.get("pid")
    if not isinstance(pid, int) or not _alive(pid):
        return True
    started = marker.get("started")
    return bool(started) and started != _start_ticks(pid)


def _read_marker(folder: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def remove_leftovers(index_dir: Path) -> list[str]:
    """Remove the temporary folders of killed builds of ``index_dir`` (``.NAME.tmp-*``), and
    previous indexes a killed swap left (``.NAME.old-PID``), when they are ours and their
    process is gone. Folders without our marker, or whose builder still runs, are left alone.

    Returns:
        The names of the folders removed.
    """
    index = real(index_dir)
    stem = index.name.lstrip(".")
    removed = []
    with contextlib.suppress(OSError):
        for entry in os.scandir(index.parent):
            if not entry.is_dir(follow_symlinks=False):
                continue
            if entry.name.startswith(f".{stem}.tmp-"):
                marker = _read_marker(Path(entry.path))
                stale = marker is not None and builder_gone(marker)
            elif entry.name.startswith(f".{stem}.old-"):
                pid = entry.name.rsplit("-", 1)[-1]
                stale = pid.isdigit() and not _alive(int(pid)) and _problem(Path(entry.path)) is None
            else:
                continue
            if stale:
                shutil.rmtree(entry.path, ignore_errors=True)
                removed.append(entry.name)
    for name in removed:
        log.info("removed %s, left beside %s by a build that was stopped", name, index)
    return removed
