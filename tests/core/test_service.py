"""The shared async answer service: off the loop, batched, capped, errors per question."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

import pytest

from bot.core.service import AnswerService, check_question
from index.errors import EmptyQuestionError
from tests.fakes import FailingQuestion, FakeRetriever


async def until(condition: Callable[[], bool]) -> None:
    """Let the loop run until ``condition`` holds (failing after 10 s)."""
    async with asyncio.timeout(10):
        while not condition():  # noqa: ASYNC110  # the service has no event to wait on for this
            await asyncio.sleep(0)


def test_check_question_strips_and_refuses_blank() -> None:
    """check_question strips whitespace and raises EmptyQuestionError for a blank question."""
    assert check_question("  why?\n") == "why?"
    for blank in ("", "   ", "\n\t"):
        with pytest.raises(EmptyQuestionError):
            check_question(blank)


async def test_ask_runs_in_a_worker_thread() -> None:
    """The retriever is called from a thread other than the event loop's."""
    fake = FakeRetriever()
    service = AnswerService(fake)
    answer = await service.ask("Why did IBM quit?")
    assert answer.question == "Why did IBM quit?"
    assert threading.current_thread().name not in fake.threads
    await service.aclose()


async def test_event_loop_keeps_running_during_a_slow_answer() -> None:
    """While the retriever works, the loop keeps running: the retriever only finishes once the loop has opened its gate."""
    gate = threading.Event()
    fake = FakeRetriever(gate=gate)

    async def open_gate_from_the_loop() -> None:
        await asyncio.to_thread(fake.entered.wait, 10)
        gate.set()

    service = AnswerService(fake)
    opener = asyncio.create_task(open_gate_from_the_loop())
    answer = await service.ask("slow?")  # had ask_many blocked the loop, `opener` could not run: TimeoutError
    await opener
    assert answer.question == "slow?"
    await service.aclose()


async def test_questions_arriving_together_share_a_batch() -> None:
    """Ten questions asked at once are answered in one ask_many call, each getting its own answer."""
    fake = FakeRetriever()
    service = AnswerService(fake)
    questions = [f"question {i}" for i in range(10)]
    answers = await asyncio.gather(*(service.ask(q) for q in questions))
    assert [a.question for a in answers] == questions
    assert len(fake.batches) == 1
    assert sorted(fake.batches[0]) == sorted(questions)
    await service.aclose()


async def test_questions_arriving_during_a_batch_join_the_next_one() -> None:
    """Questions asked while a batch runs are batched together next, not one by one."""
    gate = threading.Event()
    fake = FakeRetriever(gate=gate)
    service = AnswerService(fake)
    first = asyncio.create_task(service.ask("first"))
    await asyncio.to_thread(fake.entered.wait, 10)  # the first batch is running now, held at the gate
    rest = [asyncio.create_task(service.ask(f"q{i}")) for i in range(5)]
    await until(lambda: service.in_flight == 6)  # all five are queued behind it
    gate.set()
    await asyncio.gather(first, *rest)
    assert [len(b) for b in fake.batches] == [1, 5]
    await service.aclose()


async def test_cap_limits_questions_in_flight_and_drops_none() -> None:
    """With max_in_flight=4, 30 questions never have more than 4 in the retriever, and all 30 are answered."""
    fake = FakeRetriever(delay=0.02)
    service = AnswerService(fake, max_in_flight=4)
    seen = 0

    async def one(i: int) -> str:
        nonlocal seen
        answer = await service.ask(f"q{i}")
        seen = max(seen, service.in_flight)
        return answer.question

    answered = await asyncio.gather(*(one(i) for i in range(30)))
    assert sorted(answered) == sorted(f"q{i}" for i in range(30))
    assert fake.max_active_questions <= 4
    assert max(len(b) for b in fake.batches) <= 4
    assert sum(len(b) for b in fake.batches) == 30
    assert service.in_flight == 0
    await service.aclose()


class _MeetingRetriever(FakeRetriever):
    """A fake whose ``ask_many`` calls return only once two of them are running at the same time."""

    def __init__(self) -> None:
        super().__init__()
        self.entered = threading.Event()
        self.meeting = threading.Barrier(2)

    def ask_many(self, questions, k=3, *, max_chars=1000, histories=None):  # type: ignore[no-untyped-def]
        self.entered.set()
        self.meeting.wait(timeout=30)  # raises BrokenBarrierError when the other batch never comes
        return super().ask_many(questions, k, max_chars=max_chars, histories=histories)


async def test_two_workers_answer_two_batches_at_once() -> None:
    """With workers=2, a batch starts while another is still being answered (each in its own thread)."""
    fake = _MeetingRetriever()
    service = AnswerService(fake, workers=2)
    first = asyncio.create_task(service.ask("first"))
    await asyncio.to_thread(fake.entered.wait, 30)  # the first batch is inside the retriever now
    second = await service.ask("second")
    assert second.question == "second"
    assert (await first).question == "first"
    assert [len(b) for b in fake.batches] == [1, 1]
    await service.aclose()


class _HeldRetriever(FakeRetriever):
    """A fake whose ``ask_many`` calls wait inside the retriever until ``release`` is set."""

    def __init__(self) -> None:
        super().__init__()
        self.entered = threading.Event()
        self.release = threading.Event()

    def ask_many(self, questions, k=3, *, max_chars=1000, histories=None):  # type: ignore[no-untyped-def]
        self.entered.set()
        self.release.wait(timeout=30)
        return super().ask_many(questions, k, max_chars=max_chars, histories=histories)


@pytest.mark.parametrize("inside", [True, False], ids=["batch-running", "batch-not-started"])
async def test_aclose_fails_questions_of_batches_in_hand(inside: bool) -> None:
    """Closing the service gives a RuntimeError to the questions of a batch being answered or about to be."""
    fake = _HeldRetriever()
    service = AnswerService(fake, workers=2, batch_window=0)
    asked = asyncio.create_task(service.ask("q"))
    if inside:
        await asyncio.to_thread(fake.entered.wait, 30)
    else:
        for _ in range(2):  # one step for ask to queue the question, one for the worker to hand it over
            await asyncio.sleep(0)
        assert service._batch_tasks  # the batch has its task, which has not run yet
    await service.aclose()
    fake.release.set()
    with pytest.raises(RuntimeError):
        await asyncio.wait_for(asked, 30)


async def test_max_batch_splits_large_bursts() -> None:
    """A burst larger than max_batch is split into several ask_many calls."""
    fake = FakeRetriever()
    service = AnswerService(fake, max_batch=8, max_in_flight=100)
    await asyncio.gather(*(service.ask(f"q{i}") for i in range(20)))
    assert [len(b) for b in fake.batches] == [8, 8, 4]
    await service.aclose()


async def test_an_error_reaches_only_its_own_question() -> None:
    """A question the retriever fails on raises for its asker; its batch-mates still get answers."""
    fake = FakeRetriever()
    service = AnswerService(fake)
    results = await asyncio.gather(
        service.ask("fine 1"), service.ask("boom"), service.ask("fine 2"), return_exceptions=True
    )
    assert isinstance(results[1], FailingQuestion)
    assert [r.question for r in (results[0], results[2])] == ["fine 1", "fine 2"]
    assert len(fake.batches) == 1
    await service.aclose()


async def test_a_failed_batch_is_asked_again_one_by_one_so_only_the_bad_question_fails() -> None:
    """When ask_many itself raises, its questions are asked alone: only the one at fault fails; later ones are answered."""
    fake = FakeRetriever()
    service = AnswerService(fake)
    results = await asyncio.gather(service.ask("a"), service.ask("explode"), service.ask("b"), return_exceptions=True)
    assert [type(r).__name__ for r in results] == ["Answer", "RuntimeError", "Answer"]
    assert fake.batches == [["a", "explode", "b"], ["a"], ["explode"], ["b"]]
    answer = await service.ask("after")
    assert answer.question == "after"
    await service.aclose()


async def test_blank_question_raises_without_reaching_the_retriever() -> None:
    """A blank question raises EmptyQuestionError at once and makes no ask_many call."""
    fake = FakeRetriever()
    service = AnswerService(fake)
    with pytest.raises(EmptyQuestionError):
        await service.ask("   ")
    assert fake.batches == []
    await service.aclose()


async def test_cancelled_asker_does_not_break_the_batch() -> None:
    """An asker cancelled while waiting frees its slot; the others are still answered."""
    gate = threading.Event()
    fake = FakeRetriever(gate=gate)
    service = AnswerService(fake, max_in_flight=1)
    first = asyncio.create_task(service.ask("first"))
    waiting = asyncio.create_task(service.ask("waiting"))
    await asyncio.to_thread(fake.entered.wait, 10)  # "first" holds the only slot; "waiting" waits for it
    waiting.cancel()
    gate.set()
    assert (await first).question == "first"
    assert (await service.ask("third")).question == "third"
    assert waiting.cancelled()
    assert fake.asked == ["first", "third"]
    assert service.in_flight == 0
    await service.aclose()


async def test_aclose_fails_waiting_questions() -> None:
    """Closing the service gives a RuntimeError to questions still waiting, and refuses new ones."""
    gate = threading.Event()
    fake = FakeRetriever(gate=gate)
    service = AnswerService(fake)
    pending = asyncio.create_task(service.ask("late"))
    try:
        await asyncio.to_thread(fake.entered.wait, 10)  # "late" is being answered
        await service.aclose()
        with pytest.raises(RuntimeError):
            await pending
        with pytest.raises(RuntimeError):
            await service.ask("after close")
    finally:
        gate.set()  # let the worker thread finish


async def test_quotes_and_topics() -> None:
    """quotes runs the retriever's quotes off the loop; quote_topics gives [] for blank and at most `limit`."""
    fake = FakeRetriever()
    service = AnswerService(fake)
    found = await service.quotes("surveillance")
    assert found.quotes[0].speaker == "Arvind Krishna"
    assert await service.quote_topics("  ") == []
    assert len(await service.quote_topics("fa", limit=25)) == 25
    with pytest.raises(EmptyQuestionError):
        await service.quotes("")
    await service.aclose()
