"""WebSocket viewers in their own process (as tablets would be), for the fan-out test.

``python -m tests.server.viewers HOST N SECONDS`` prints one JSON line: for each viewer, the
frame ids it received.
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

from websockets.asyncio.client import connect


async def _viewer(host: str, stop: asyncio.Event, ids: list[int]) -> None:
    async with connect(f"ws://{host}/ws/live", max_size=2**22) as ws:
        while not stop.is_set():
            try:
                text = await asyncio.wait_for(ws.recv(), timeout=0.5)
            except TimeoutError:
                continue
            m: dict[str, Any] = json.loads(text)
            if m["type"] == "frame":
                ids.append(m["id"])


async def run(host: str, n: int, seconds: float) -> list[list[int]]:
    stop = asyncio.Event()
    per_viewer: list[list[int]] = [[] for _ in range(n)]
    tasks = [asyncio.create_task(_viewer(host, stop, ids)) for ids in per_viewer]
    await asyncio.sleep(seconds)
    stop.set()
    await asyncio.gather(*tasks)
    return per_viewer


if __name__ == "__main__":
    host, n, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    print(json.dumps(asyncio.run(run(host, n, seconds))))
