"""numpy's BLAS thread pool, sized to the answering worker that runs the products.

Ranking multiplies the question's vectors with the corpus's (:mod:`index.search`). OpenBLAS
splits a product that large over every core and its threads then spin, waiting for the next
one: a question cost twice its CPU on the article index, and four times when the other core
was busy (docs/retrieval.md, ONNX section). Answering gives them ``EMBED_THREADS``
threads (1), the model's session that many a core.
The dense similarities are the same bytes on any count; late interaction's product is not
(OpenBLAS picks another kernel for one thread): its similarities move by up to 5e-7, which
moved no answer on any evaluation set (docs/retrieval.md).
"""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)

_applied: list[int] = []  # the count last set, so opening another index costs nothing


def limit_threads(threads: int) -> None:
    """Let numpy's BLAS use ``threads`` threads in this process (it is process-wide).

    Args:
        threads: Threads a product may use: EMBED_THREADS when answering, every core when
            building (the token codebook's k-means is products too).
    """
    if _applied and _applied[-1] == threads:
        return
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # not installed: answers are the same, only slower
        log.debug("threadpoolctl is missing: numpy keeps its own thread count")
        return
    threadpool_limits(limits=threads, user_api="blas")
    _applied.append(threads)
