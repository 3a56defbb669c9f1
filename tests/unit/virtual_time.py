"""Virtual time for asyncio tests: ``asyncio.sleep``, ``asyncio.timeout`` and ``loop.time()`` run on a clock
that jumps to the next timer whenever the loop would otherwise block. Waits are exact and take no real time,
and concurrent sleepers interleave exactly as they would in real time.

    async with virtual_time() as vt:
        await asyncio.sleep(30)      # returns at once
        assert vt.now() == pytest.approx(30)

Only for code without real I/O (in-process transports): the loop never waits on sockets inside the block.
"""

from __future__ import annotations

import asyncio
import contextlib
from unittest import mock


class VirtualTime:
    def __init__(self, loop: asyncio.AbstractEventLoop, time) -> None:
        self.loop = loop
        self.time = time  # the virtual loop.time(), still readable after the block
        self._start = time()

    def now(self) -> float:
        """Seconds of virtual time since the block began (also after it ended)."""
        return self.time() - self._start


@contextlib.asynccontextmanager
async def virtual_time():
    loop = asyncio.get_running_loop()
    selector = loop._selector  # type: ignore[attr-defined]
    real_select = selector.select
    real_time = loop.time
    offset = [0.0]

    def fake_time() -> float:
        return real_time() + offset[0]

    def fake_select(timeout=None):
        if timeout is not None and timeout > 0:
            offset[0] += timeout  # the loop would block until its next timer: jump there instead
        return real_select(0 if timeout is not None else 0.001)

    with mock.patch.object(loop, "time", fake_time), mock.patch.object(selector, "select", fake_select):
        yield VirtualTime(loop, fake_time)
