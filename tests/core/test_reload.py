"""Hot reload: the answer service swaps to a new index between batches (bot/core/reload.py).

The fakes' gate holds a batch in flight while the index changes, so each test decides the order
of events itself; nothing sleeps and hopes.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shutil
import threading
from pathlib import Path

import pytest

from bot.core.reload import IndexReloader, stamp
from bot.core.service import AnswerService
from index import store
from index.errors import IndexCorruptError
from tests.fakes import FakeRetriever
from tests.helpers import write_tiny_index


def new_manifest(index_dir: Path, text: str = "{}") -> None:
    """Replace the manifest by a new file, as a swapped-in index folder brings one."""
    index_dir.mkdir(exist_ok=True)
    tmp = index_dir / "manifest.json.new"
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, index_dir / "manifest.json")


async def test_questions_in_flight_finish_on_the_old_index_and_new_ones_use_the_new(tmp_path: Path) -> None:
    new_manifest(tmp_path)
    old, new = FakeRetriever(gate=threading.Event()), FakeRetriever()
    service = AnswerService(old, batch_window=0.0, workers=2)  # a second batch may run beside the first
    reloader = IndexReloader(service, tmp_path, reopen=lambda running: new)
    first = asyncio.create_task(service.ask("first question"))
    await asyncio.to_thread(old.entered.wait, 10)  # the first batch is running on the old index
    new_manifest(tmp_path, '{"v": 2}')
    assert await reloader.check() is True
    assert service.retriever is new
    second = await service.ask("second question")  # while the first is still in flight
    assert old.gate is not None
    old.gate.set()
    answered_first = await first
    assert (answered_first.question, second.question) == ("first question", "second question")
    assert old.asked == ["first question"] and new.asked == ["second question"]  # each once, on its index
    await service.aclose()


async def test_a_broken_new_index_is_logged_and_the_old_one_kept(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    new_manifest(tmp_path)
    old, new = FakeRetriever(), FakeRetriever()
    tries: list[str] = []

    def reopen(running: object) -> FakeRetriever:
        tries.append("try")
        if len(tries) == 1:
            raise IndexCorruptError(tmp_path, "chunks.vectors.npy is missing")
        return new

    service = AnswerService(old, batch_window=0.0)
    reloader = IndexReloader(service, tmp_path, reopen=reopen)
    new_manifest(tmp_path, '{"broken": true}')
    with caplog.at_level(logging.WARNING, logger="bot.core.reload"):
        assert await reloader.check() is False
    assert service.retriever is old
    assert "cannot be used, still answering from the old one" in caplog.text
    assert "chunks.vectors.npy is missing" in caplog.text
    assert await reloader.check() is False and len(tries) == 1  # the same broken index is not tried again
    assert (await service.ask("still answered?")).question == "still answered?"
    new_manifest(tmp_path, '{"fixed": true}')
    assert await reloader.check() is True and service.retriever is new
    await service.aclose()


async def test_the_poll_swaps_by_itself(tmp_path: Path) -> None:
    new_manifest(tmp_path)
    old, new = FakeRetriever(), FakeRetriever()
    service = AnswerService(old, batch_window=0.0)
    swapped = asyncio.Event()
    async with IndexReloader(service, tmp_path, reopen=lambda r: new, interval=0.01, on_swap=lambda r: swapped.set()):
        new_manifest(tmp_path, '{"v": 2}')
        async with asyncio.timeout(10):
            await swapped.wait()
    assert service.retriever is new
    await service.aclose()


def test_the_stamp_changes_with_each_new_manifest(tmp_path: Path) -> None:
    assert stamp(tmp_path) is None
    new_manifest(tmp_path)
    first = stamp(tmp_path)
    new_manifest(tmp_path)  # the same bytes in a new file: a new index all the same
    assert first is not None and stamp(tmp_path) != first


@pytest.mark.model
async def test_a_real_index_is_reloaded_after_bot_add(tmp_path: Path) -> None:
    """`add_sources` in another thread; the bot's reloader swaps the new index in; a damaged one is refused."""
    from bot.core.library import add_sources
    from bot.core.runtime import open_retriever
    from bot.core.settings import Settings

    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "harbour.txt").write_text("The harbour of Vell was dredged in 1911.\n", encoding="utf-8")
    settings = Settings(_env_file=None, seeds_dir=seeds, index_dir=tmp_path / "index")  # type: ignore[call-arg]
    service = AnswerService(open_retriever(settings), batch_window=0.0)
    reloader = IndexReloader(service, settings.index_dir)
    new = tmp_path / "lighthouse.txt"
    new.write_text("The Vell lighthouse was painted red in 1987 by its keeper, Owen Marsh.\n", encoding="utf-8")
    await asyncio.to_thread(add_sources, settings, [str(new)])
    assert await reloader.check() is True
    answer = await service.ask("Who painted the lighthouse red?")
    assert answer.hits[0].source == "seeds/lighthouse.txt"
    # A damaged index swapped in (the vectors' bytes changed): refused, the one before kept.
    running = service.retriever
    damaged = tmp_path / "damaged"
    shutil.copytree(settings.index_dir, damaged)
    with (damaged / "chunks.vectors.npy").open("r+b") as handle:
        handle.seek(-2, 2)
        handle.write(b"\x00\x7c")
    shutil.rmtree(settings.index_dir)
    os.replace(damaged, settings.index_dir)
    assert await reloader.check() is False
    assert service.retriever is running
    assert (await service.ask("Who painted the lighthouse red?")).hits[0].source == "seeds/lighthouse.txt"
    await service.aclose()


async def test_an_index_of_another_citebot_version_is_said_to_be_one(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """During an upgrade a process of the other version rebuilds the shared INDEX_DIR: the running bot logged
    that its index was "damaged" and to run `python -m bot index` (whose rebuild the other bot refuses in turn)."""
    index = tmp_path / "index"
    write_tiny_index(index)
    service = AnswerService(FakeRetriever(), batch_window=0.0)
    reloader = IndexReloader(service, index, reopen=lambda running: store.load_index(index))
    manifest = json.loads((index / "manifest.json").read_text(encoding="utf-8"))
    new_manifest(index, json.dumps({**manifest, "format_version": store.FORMAT_VERSION + 1}))
    with caplog.at_level(logging.WARNING, logger="bot.core.reload"):
        assert await reloader.check() is False
    assert "made by another version of citebot" in caplog.text and "damaged" not in caplog.text
    assert f"index format {store.FORMAT_VERSION + 1}, this version reads {store.FORMAT_VERSION}" in caplog.text
    await service.aclose()
