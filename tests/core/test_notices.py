"""The notices the pipeline gives instead of an answer speak of what was asked: a question, or a
quotation's topic."""

from __future__ import annotations

import pytest

from bot.core import wording
from bot.core.asker import Asker
from bot.core.reply import Notice, NoticeKind
from tests.fakes import fake_pipeline

ASKER = Asker("terminal", "me", None, None)


@pytest.mark.parametrize("blank", ["", "   ", "\n\t"])
async def test_a_blank_topic_is_told_as_a_topic_and_a_blank_question_as_a_question(blank: str) -> None:
    pipeline = fake_pipeline()
    topic = await pipeline.quote(ASKER, blank)
    question = await pipeline.handle(ASKER, blank)
    assert topic == Notice(NoticeKind.EMPTY, wording.EMPTY_TOPIC)
    assert question == Notice(NoticeKind.EMPTY, wording.EMPTY_QUESTION)
