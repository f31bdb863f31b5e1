"""A thread's earlier questions, as a follow-up is asked with them."""

from __future__ import annotations

from bot.core.conversation import MAX_HISTORY, Said, history_from


def test_history_keeps_the_peoples_questions_oldest_first() -> None:
    """Answers by bots and blank messages are left out; white space is folded."""
    thread = [
        Said("Who was Nikola Tesla?", by_bot=False),
        Said("Nikola Tesla was an inventor...", by_bot=True),
        Said("   ", by_bot=False),
        Said("When did he\n die?", by_bot=False),
    ]
    assert history_from(thread) == ("Who was Nikola Tesla?", "When did he die?")


def test_history_keeps_only_the_newest_questions() -> None:
    """A long thread gives its last MAX_HISTORY questions."""
    thread = [Said(f"question {i}", by_bot=False) for i in range(20)]
    assert history_from(thread) == tuple(f"question {i}" for i in range(20 - MAX_HISTORY, 20))
    assert history_from(thread, limit=0) == ()
