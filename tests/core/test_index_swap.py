"""A build killed (SIGKILL) while it swaps its new index in leaves an index in place, never none.

Every build writes the new index into a temporary folder and swaps it into ``INDEX_DIR``
(index/store.py). The bots of every process keep answering from the index on disk, and a
process starting, ``bot sources`` or the next build read it there: a kill between "the old
index moved away" and "the new one moved in" would leave no index at all (a full rebuild, and
errors meanwhile). The test kills a real process at the first step of the swap that moves a
folder away or deletes one, then clears up as the next build, in any process, does first.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from index.location import remove_leftovers
from index.store import load_index
from tests.prebuilt import ARTICLE, REPO, TITLES, Prebuilt

pytestmark = [pytest.mark.process, pytest.mark.model]

# Rewrites the index in place with the same contents, and SIGKILLs itself right after the swap
# moves the index folder away, or instead of deleting a folder: where a crash would hurt most.
KILLED_MIDWAY = """
import os, shutil, signal, sys
from pathlib import Path
import index.store as store

index_dir = Path(sys.argv[1]).resolve()

def die(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)

replace = os.replace
def replace_or_die(src, dst, *args, **kwargs):
    replace(src, dst, *args, **kwargs)
    if Path(src).resolve() == index_dir:
        die()

store.os.replace = replace_or_die
store.shutil.rmtree = die
stored = store.load_index(index_dir)
vectors = {
    "chunks.vectors.npy": stored.chunk_vectors, "sentences.vectors.npy": stored.sentence_vectors,
    "quotes.vectors.npy": stored.quote_vectors, "tokens.codes.npy": stored.token_vectors.codes,
    "tokens.codebook.npy": stored.token_vectors.codebook,
}
records = {"chunks.jsonl": stored.chunks, "quotes.jsonl": stored.quotes}
store.write_index(index_dir, stored.manifest, vectors, records)
"""


def test_a_build_killed_while_swapping_leaves_a_whole_index_and_the_next_build_clears_up(
    prebuilt: Prebuilt, tmp_path: Path
) -> None:
    _, index_dir = prebuilt.copy(tmp_path, ARTICLE, TITLES)
    before = load_index(index_dir).manifest["content_hash"]
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_MIDWAY, str(index_dir)], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert load_index(index_dir).manifest["content_hash"] == before  # whole, and the same index
    assert remove_leftovers(index_dir) != []  # what the next build does first
    assert load_index(index_dir).manifest["content_hash"] == before
    assert sorted(p.name for p in index_dir.parent.iterdir()) == ["index", "seeds"]
