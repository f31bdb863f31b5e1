"""The terminal chat picks up a new index before the next question (bot/terminal/chat.py, bot/core/reload.py)."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from bot.core.reload import IndexReloader
from bot.terminal.chat import run_chat
from tests.fakes import FakeRetriever, fake_pipeline


def new_manifest(index_dir: Path, text: str) -> None:
    tmp = index_dir / "manifest.json.new"
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, index_dir / "manifest.json")


class Typing(io.StringIO):
    """Standard input whose second line is typed only after the index on disk has changed."""

    def __init__(self, lines: list[str], index_dir: Path) -> None:
        super().__init__()
        self.lines = lines
        self.index_dir = index_dir
        self.read = 0

    def readline(self, size: int | None = -1) -> str:
        if self.read == 1:
            new_manifest(self.index_dir, '{"v": 2}')  # `python -m bot add` finished in another terminal
        if self.read == len(self.lines):
            return ""
        self.read += 1
        return self.lines[self.read - 1]


def test_the_next_question_is_answered_from_the_new_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    new_manifest(tmp_path, '{"v": 1}')
    old, new = FakeRetriever(), FakeRetriever()
    pipeline = fake_pipeline(old)
    reloader = IndexReloader(pipeline.service, tmp_path, reopen=lambda running: new)
    monkeypatch.setattr("sys.stdin", Typing(["Why did IBM quit?\n", "What does IBM oppose?\n"], tmp_path))
    assert run_chat(pipeline, reloader) == 0
    assert old.asked == ["Why did IBM quit?"]
    assert new.asked == ["What does IBM oppose?"]
    assert reloader.swaps == 1
    assert capsys.readouterr().out.count("IBM") >= 2
