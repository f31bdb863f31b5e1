"""``python -m bot``: a thin dispatcher over the subcommands.

Known failures (our error classes) become one line on stderr and an exit
status; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import sys

from bot.cli import main

if __name__ == "__main__":
    sys.exit(main())
