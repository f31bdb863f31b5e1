"""The terminal front end: ``index``, ``ask``, ``quote`` and ``chat``."""

from __future__ import annotations

from bot.core.asker import Asker

# Everything typed at this terminal is one asker; the terminal has no rate limit.
TERMINAL = Asker("terminal", "local")
