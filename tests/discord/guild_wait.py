"""discord.py's wait for a session's guilds, cut short for the fake Discord (``FAKE_GUILD_READY_TIMEOUT``).

    python -m tests.discord.guild_wait MODULE [ARGS...]     # e.g. ``bot discord``, as ``python -m`` runs it

After a shard's READY, discord.py marks the shard ready (``on_shard_ready``: the bot then writes its
health file) only once no GUILD_CREATE has come for ``guild_ready_timeout`` seconds, 2 by default:
a real Discord may send them late. The fake sends every GUILD_CREATE of a session at once, right
after its READY, so each bot start of a test waited 2 s for nothing (about 20 starts a run). With
``FAKE_GUILD_READY_TIMEOUT`` set (tests/discord/harness.py sets it for the tests, not for the
benchmarks) discord.py waits that long instead. A GUILD_CREATE later than that would still be
taken (discord.py adds the guild as one joined after READY), so the tests check the same things.

The test mains (``fake_retriever_main`` and the others) call :func:`apply` themselves; this
module's ``__main__`` does it for the real ``python -m bot discord`` and changes nothing else.
"""

from __future__ import annotations

import os
import runpy
import sys
from typing import Any

ENV = "FAKE_GUILD_READY_TIMEOUT"


def apply() -> None:
    """Set every discord.py connection state's ``guild_ready_timeout`` from ``FAKE_GUILD_READY_TIMEOUT``, if set."""
    seconds = os.environ.get(ENV)
    if seconds is None:
        return
    from discord import state

    init = state.ConnectionState.__init__

    def init_with_timeout(self: state.ConnectionState, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        self.guild_ready_timeout = float(seconds)

    state.ConnectionState.__init__ = init_with_timeout  # type: ignore[method-assign]


if __name__ == "__main__":
    apply()
    module, *args = sys.argv[1:]
    sys.argv = [module, *args]
    runpy.run_module(module, run_name="__main__", alter_sys=True)
