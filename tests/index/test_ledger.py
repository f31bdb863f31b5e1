"""index/ledger.py: what ``bot add`` records in ``titles.toml``, and what ``bot remove`` leaves."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from index.ledger import Ledger

MINE = '# My titles.\n"article.txt" = "The article"\n\n["notes.md"]\ntitle = "Notes"  # by hand\n'


def test_add_then_remove_leaves_titles_toml_as_it_was(tmp_path: Path) -> None:
    titles = tmp_path / "titles.toml"
    titles.write_text(MINE, encoding="utf-8")
    added = Ledger(tmp_path)
    added.record("night-trains.html", b"<p>x</p>", url="https://example.org/n", retrieved=None, now=datetime.now(UTC))
    added.save()
    assert '["night-trains.html"]' in titles.read_text(encoding="utf-8")

    removed = Ledger(tmp_path)
    removed.forget("night-trains.html")
    removed.save()

    assert titles.read_text(encoding="utf-8") == MINE
