"""``python -m tests.discord.recording_main``: the Discord bot on the real index, recording what each question was asked with.

Exactly ``python -m bot discord``, except that the retriever writes one JSON line per
question to ``RECORD_FILE`` (``{"question": ..., "history": [...]}``) before answering it,
so an end-to-end test can see the history a follow-up reached the retriever with.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import bot.cli
from bot.discord import client
from tests.discord import guild_wait


class Recording:
    """A retriever that records each question and its history, then lets the real one answer."""

    def __init__(self, retriever: Any, path: Path) -> None:
        self._retriever = retriever
        self._path = path
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._retriever, name)

    def ask_many(
        self,
        questions: Sequence[str],
        k: int = 3,
        *,
        max_chars: int = 1000,
        histories: Sequence[Sequence[str]] | None = None,
    ) -> list[Any]:
        lines = [
            json.dumps({"question": q, "history": list(h)})
            for q, h in zip(questions, histories or [()] * len(questions), strict=True)
        ]
        with self._lock, self._path.open("a", encoding="utf-8") as out:
            out.write("".join(f"{line}\n" for line in lines))
        return self._retriever.ask_many(questions, k, max_chars=max_chars, histories=histories)


if __name__ == "__main__":
    guild_wait.apply()
    opened = client.open_retriever
    record = Path(os.environ["RECORD_FILE"])
    client.open_retriever = lambda settings, **kw: Recording(opened(settings, **kw), record)  # type: ignore[assignment]
    sys.exit(bot.cli.main(["discord"]))
