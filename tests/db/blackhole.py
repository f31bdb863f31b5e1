"""A TCP proxy on 127.0.0.1 that can be switched to drop nothing and deliver nothing.

Between the bot and its PostgreSQL, it relays bytes both ways; :meth:`Blackhole.blackhole` stops
relaying (in either direction, on every connection, new ones too) without closing any socket: the
bot's connections stay open and nothing answers, as when the network between silently drops
packets. :meth:`Blackhole.relay` relays again, what was held back first (TCP's retransmissions
once the network is back).
"""

from __future__ import annotations

import asyncio
import contextlib


class Blackhole:
    """A proxy to ``127.0.0.1:upstream``, listening on ``127.0.0.1:port`` once :meth:`start` ran."""

    def __init__(self, upstream: int) -> None:
        self.upstream = upstream
        self.port = 0
        self._open = asyncio.Event()
        self._open.set()
        self._server: asyncio.Server | None = None
        self._pumps: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> Blackhole:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def blackhole(self) -> None:
        """Stop relaying bytes, keeping every socket open."""
        self._open.clear()

    def relay(self) -> None:
        """Relay bytes again, those held back first."""
        self._open.set()

    async def close(self) -> None:
        assert self._server is not None
        self._server.close()
        for task in self._pumps:
            task.cancel()
        await asyncio.gather(*self._pumps, return_exceptions=True)
        for writer in self._writers:
            writer.close()
        await self._server.wait_closed()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream)
        self._writers |= {writer, up_writer}
        for source, sink in ((reader, up_writer), (up_reader, writer)):
            task = asyncio.create_task(self._pump(source, sink))
            self._pumps.add(task)
            task.add_done_callback(self._pumps.discard)

    async def _pump(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError):
            while True:
                await self._open.wait()
                data = await source.read(65536)
                if not data:
                    break
                await self._open.wait()  # read while relaying, held back when the switch turned
                sink.write(data)
                await sink.drain()
        sink.close()
