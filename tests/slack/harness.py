"""The Slack app served over HTTP on 127.0.0.1, with a fake retriever and a fake Slack, for the Slack tests."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest

from bot.core.admin import Admin
from bot.core.pipeline import Pipeline
from bot.core.ratelimit import RateLimiter
from bot.core.record import Recorder
from bot.core.reply import MORE_PASSAGES
from bot.core.service import AnswerService
from bot.core.settings import Settings
from bot.db import Database
from bot.slack.app import build_app
from bot.slack.once import OnceOnly
from bot.slack.serve import EVENTS_PATH, serve_http, web_client
from tests.fake_slack import BOT_TOKEN, FakeSlack, signed_post
from tests.fakes import FakeRetriever

SECRET = "test-signing-secret"
SHOWN = 3  # passages an answer shows (TOP_K); "More sources" shows the next MORE_PASSAGES


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def settings(**overrides: Any) -> Settings:
    """Slack settings for the tests: one question channel (C0042), 3 questions a minute."""
    values: dict[str, Any] = {
        "slack_bot_token": BOT_TOKEN,
        "slack_signing_secret": SECRET,
        "slack_channels": "C0042",
        "rate_limit_count": 3,
        "rate_limit_seconds": 60,
    }
    return Settings(_env_file=None, **(values | overrides))  # type: ignore[call-arg]


@dataclass
class Bot:
    """A served app: where to post, the fakes behind it, and its pipeline."""

    url: str
    slack: FakeSlack
    retriever: FakeRetriever
    pipeline: Pipeline
    close: Callable[[], Awaitable[None]]
    once: OnceOnly

    async def post(self, body: str, **kwargs: Any) -> tuple[int, str, float]:
        """Send a signed request to the app (in a thread: the app serves on this loop)."""
        kwargs.setdefault("secret", SECRET)
        return await asyncio.to_thread(signed_post, self.url, body, **kwargs)

    async def wait_for(self, method: str, count: int = 1, **match: Any) -> list[Any]:
        return await asyncio.to_thread(self.slack.wait_for, method, count, 10.0, **match)

    async def idle(self) -> None:
        """Wait until no question is being answered or delivered."""
        async with asyncio.timeout(10):
            await self.pipeline.idle()


async def start(
    slack: FakeSlack,
    config: Settings | None = None,
    *,
    db: Database | None = None,
    retriever: FakeRetriever | None = None,
    admin: Admin | None = None,
) -> Bot:
    """Serve a new app (as one process would) against ``slack``; with ``db``, questions are logged
    and answers get buttons; ``admin`` is what ``/citebot`` does. Call ``bot.close()`` at the end."""
    config = config or settings()
    retriever = retriever or FakeRetriever()
    service = AnswerService(retriever, k=SHOWN + MORE_PASSAGES, batch_window=0)
    pipeline = Pipeline(
        service,
        RateLimiter(config.rate_limit_count, config.rate_limit_seconds),
        recorder=Recorder(db.questions, SHOWN) if db is not None else None,
        shown=SHOWN,
    )
    client = web_client(BOT_TOKEN, slack.api_base)  # the bot's own, with its retries
    once = OnceOnly(db.events if db is not None else None)
    app = build_app(config, pipeline, client=client, db=db, admin=admin, once=once)
    port = free_port()
    stop = await serve_http(app, port, signing_secret=SECRET)

    async def close() -> None:
        await stop()
        await once.settled()  # as serve does: no claim is marked done after the test closes the database
        await service.aclose()

    return Bot(f"http://127.0.0.1:{port}{EVENTS_PATH}", slack, retriever, pipeline, close, once)


class Finished:
    """Counts finished calls of an async function the app calls (replaced on ``owner`` for the test),
    so a test can wait for work that has no other sign: a decision to stay silent, say.

    When :meth:`wait` returns, the caller has resumed already: it has returned, or gone on
    into the pipeline, which :meth:`Bot.idle` waits on.
    """

    def __init__(self, monkeypatch: pytest.MonkeyPatch, owner: object, name: str) -> None:
        self.started = 0
        self.done = 0
        self._changed = asyncio.Condition()
        real = getattr(owner, name)

        async def counted(*args: Any, **kwargs: Any) -> Any:
            self.started += 1
            try:
                return await real(*args, **kwargs)
            finally:
                async with self._changed:
                    self.done += 1
                    self._changed.notify_all()

        monkeypatch.setattr(owner, name, counted)

    async def wait(self, count: int = 1) -> None:
        async with asyncio.timeout(10), self._changed:
            await self._changed.wait_for(lambda: self.done >= count)
