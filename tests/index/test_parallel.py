"""index/parallel.py: calls side by side, results in the order asked."""

from __future__ import annotations

import threading

from index.parallel import ordered_map


def test_results_come_in_the_order_asked_on_any_number_of_workers() -> None:
    items = list(range(20))
    for workers in (1, 2, 8):
        assert list(ordered_map(lambda x: x * x, items, workers)) == [x * x for x in items]


def test_one_worker_or_one_item_runs_in_the_calling_thread() -> None:
    here = threading.get_ident()
    assert list(ordered_map(lambda _: threading.get_ident(), [1, 2, 3], 1)) == [here] * 3
    assert list(ordered_map(lambda _: threading.get_ident(), [1], 4)) == [here]


def test_several_workers_run_in_other_threads() -> None:
    here = threading.get_ident()
    assert here not in set(ordered_map(lambda _: threading.get_ident(), [1, 2, 3], 2))
