"""A throw-away PostgreSQL server for the database tests.

It uses Debian's server package (``apt-get install postgresql``: the programs live in
``/usr/lib/postgresql/VERSION/bin``, outside PATH) or any ``initdb`` on PATH. The
cluster is made in a new temporary folder, listens on 127.0.0.1 on a free port with
no Unix socket outside that folder, trusts local connections, and is stopped and
deleted afterwards. PostgreSQL refuses to run as root, so as root the server runs as
the ``postgres`` user the package creates (or ``nobody``).
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

INSTALL_HINT = "apt-get install postgresql"


def find_bindir() -> Path | None:
    """The folder holding initdb, pg_ctl and postgres (the newest Debian version first), or None."""
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=_version, reverse=True)
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(Path(on_path).resolve())
    for initdb in candidates:
        if (initdb.parent / "pg_ctl").exists():
            return initdb.parent
    return None


def required_bindir() -> Path:
    """:func:`find_bindir` for a test that needs a server: skipped without one, except under CI,
    which must run the PostgreSQL tests (.ci/run installs the server)."""
    import pytest  # here: make bench starts servers with this module too, without pytest

    bindir = find_bindir()
    if bindir is None:
        reason = f"no PostgreSQL server programs (initdb, pg_ctl) on this machine: {INSTALL_HINT}"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; CI must run the PostgreSQL tests (.ci/run installs it)")
        pytest.skip(reason)
    return bindir


def _version(path: Path) -> int:
    name = path.parent.parent.name
    return int(name) if name.isdigit() else 0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _server_user() -> pwd.struct_passwd | None:
    """The unprivileged account to run the server as when we are root; None when we are not root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name)
    raise RuntimeError("running as root, and neither a 'postgres' nor a 'nobody' account exists to run PostgreSQL")


@dataclass(frozen=True)
class PostgresServer:
    """A running server: connect as ``user`` (no password) to 127.0.0.1:``port``.

    :meth:`stop`, :meth:`start` and :meth:`frozen` play the outages a bot must outlive (the
    tests of tests/db/test_outage.py, on a server of their own).
    """

    port: int
    user: str
    folder: Path
    control: Callable[..., None] | None = field(default=None, repr=False, compare=False)

    def stop(self) -> None:
        """Stop the server as an operator restarting it does (``pg_ctl stop -m fast``)."""
        assert self.control is not None
        self.control("pg_ctl", "-D", str(self.folder / "data"), "-m", "fast", "-w", "-t", "60", "stop")

    def start(self) -> None:
        """Start the stopped server again, on the same port."""
        assert self.control is not None
        self.control("start")

    @contextlib.contextmanager
    def frozen(self) -> Iterator[None]:
        """Every process of the server stopped (SIGSTOP) for the block: connections stay open and
        nothing answers, as when the server hangs or the network between drops packets."""
        pids = _server_pids(self.folder / "data")
        for pid in pids:
            os.kill(pid, signal.SIGSTOP)
        try:
            yield
        finally:
            for pid in pids:
                os.kill(pid, signal.SIGCONT)

    def url(self, driver: str, database: str) -> str:
        """A SQLAlchemy URL, e.g. ``url("asyncpg", "t1")``."""
        return f"postgresql+{driver}://{self.user}@127.0.0.1:{self.port}/{database}"

    def dsn(self, database: str = "postgres") -> str:
        """A libpq connection string, for psycopg used directly."""
        return f"host=127.0.0.1 port={self.port} user={self.user} dbname={database}"


@contextlib.contextmanager
def postgres_server(bindir: Path) -> Iterator[PostgresServer]:
    """Start a server from ``bindir`` in a temporary folder; stop it and delete the folder on exit."""
    account = _server_user()
    # Not under pytest's own temporary folder: its parents are private to root, and
    # the server's account must be able to reach its data directory.
    folder = Path(tempfile.mkdtemp(prefix="citebot-pg-"))
    data, log = folder / "data", folder / "server.log"
    run_as: dict[str, int] = {}
    if account is not None:
        os.chown(folder, account.pw_uid, account.pw_gid)
        run_as = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}
    port = _free_port()
    options = (
        f"-c listen_addresses=127.0.0.1 -p {port} -k {folder} -c max_connections=300"
        # A test server: durability is not wanted, speed is.
        " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    )

    def run(*args: str) -> None:
        done = subprocess.run(
            [str(bindir / args[0]), *args[1:]], capture_output=True, text=True, cwd=folder, check=False, **run_as
        )
        if done.returncode:
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{' '.join(args[:2])} failed:\n{done.stdout}{done.stderr}{tail}")

    def control(*args: str) -> None:
        if args == ("start",):
            args = ("pg_ctl", "-D", str(data), "-l", str(log), "-o", options, "-w", "-t", "60", "start")
        run(*args)

    try:
        run("initdb", "-D", str(data), "-U", "citebot", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync")
        control("start")
        try:
            yield PostgresServer(port=port, user="citebot", folder=folder, control=control)
        finally:
            run("pg_ctl", "-D", str(data), "-m", "immediate", "-w", "-t", "60", "stop")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _server_pids(data: Path) -> list[int]:
    """The postmaster (first line of ``postmaster.pid``) and every process it started."""
    postmaster = int((data / "postmaster.pid").read_text().split()[0])
    pids = [postmaster]
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == postmaster:
                pids.append(int(stat.parent.name))
    return pids
