"""``python -m tests.discord.slow_reload_main``: ``python -m bot discord`` whose index reloader polls once an hour.

The poll then never swaps a new index in during a test: what a manager's ``/source add`` says
("new questions use it now") must hold because the command itself swapped the index in.
"""

from __future__ import annotations

import sys

import bot.cli
from bot.core.reload import IndexReloader
from tests.discord import guild_wait

if __name__ == "__main__":
    guild_wait.apply()
    IndexReloader.__init__.__kwdefaults__["interval"] = 3600.0
    sys.exit(bot.cli.main(["discord"]))
