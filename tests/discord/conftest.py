"""The Discord tests' bot processes wait 0.2 s, not discord.py's 2 s, for guilds the fake has sent already.

See tests/discord/guild_wait.py. From a shard's READY to its last GUILD_CREATE reaching discord.py
took at most 11 ms over 32 sessions of the Discord tests at a load average of 3 to 6
(docs/testing.md, "Figures, session 6"); 0.2 s leaves a wide margin, and a later one is still taken.
"""

from __future__ import annotations

from tests.discord.harness import BotProcess

BotProcess.guild_ready_timeout = 0.2
