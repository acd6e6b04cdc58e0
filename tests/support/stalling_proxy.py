"""A TCP proxy on loopback that can stall: it accepts and forwards until told to stop,
then keeps every socket open and forwards nothing (a frozen peer, not a refusal).

    async with StallingProxy(port=5432) as proxy:   # postgresql://…@127.0.0.1:{proxy.port}
        proxy.stall()                                # from now on nothing gets through
        proxy.stall_on(b"INSERT")                    # … or from the first chunk holding this

A stalled proxy still accepts new connections (the kernel completes the handshake), so a
client sees a server that never answers, exactly what a frozen network path looks like.
"""

from __future__ import annotations

import asyncio
from types import TracebackType


class StallingProxy:
    def __init__(self, *, port: int, host: str = "127.0.0.1") -> None:
        self.target = (host, port)
        self.port = 0
        self.stalled = False
        self._trigger: bytes | None = None
        self._server: asyncio.Server | None = None
        self._writers: list[asyncio.StreamWriter] = []
        self._tasks: set[asyncio.Task[None]] = set()

    def stall(self) -> None:
        self.stalled = True

    def stall_on(self, marker: bytes) -> None:
        """Stall when a client sends a chunk containing ``marker`` (that chunk is held)."""
        self._trigger = marker

    def resume(self) -> None:
        """Forward again on new connections (stalled ones stay dead)."""
        self.stalled = False
        self._trigger = None

    async def __aenter__(self) -> StallingProxy:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        assert self._server is not None
        self._server.close()
        for writer in self._writers:
            writer.transport.abort()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._server.wait_closed()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.append(writer)
        if self.stalled:
            return  # accepted, never answered
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self._writers.append(up_writer)
        for source, sink, watch in ((reader, up_writer, True), (up_reader, writer, False)):
            task = asyncio.create_task(self._pipe(source, sink, watch=watch))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _pipe(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter, *,
                    watch: bool) -> None:
        while True:
            chunk = await source.read(65536)
            if not chunk:
                sink.transport.abort()
                return
            if watch and self._trigger is not None and self._trigger in chunk:
                self.stalled = True
            if self.stalled:
                continue  # swallowed: the peer never hears of it
            sink.write(chunk)
            await sink.drain()


__all__ = ["StallingProxy"]
