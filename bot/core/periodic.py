"""A step repeated on the event loop for as long as an ``async with`` block runs.

The health beacon and the index reloader are both this: start a task on entry, run a step
every ``interval`` seconds, cancel the task on exit and wait for it to end.
"""

from __future__ import annotations

import asyncio
from types import TracebackType
from typing import Self


class Periodic:
    """Base for a background step: subclasses set ``interval`` and ``task_name`` and define :meth:`step`."""

    interval: float
    task_name = "periodic"
    _task: asyncio.Task[None] | None = None

    async def step(self) -> None:
        raise NotImplementedError

    async def _run(self) -> None:
        while True:
            await self.step()
            await asyncio.sleep(self.interval)

    async def __aenter__(self) -> Self:
        self._task = asyncio.create_task(self._run(), name=self.task_name)
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
