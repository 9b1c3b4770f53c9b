"""An open-loop load: requests sent on a fixed schedule (a constant arrival rate), whatever the answers.

A closed-loop tool (wrk) sends a connection's next request only once the previous one is answered:
when the server slows down, it sends less, and the latency it reports hides the requests that would
have waited (coordinated omission). Here request i is due at start + i / rate; it is sent then, on an
idle kept-alive connection or a new one, and its latency runs from that scheduled time to the last
byte of the answer, so that a late send counts too.

Plain asyncio streams speaking HTTP/1.1 (neither httpx nor aiohttp is installed): one process, one
event loop, which 100 requests a second leave mostly idle.
"""
from __future__ import annotations

import asyncio
import time
from collections.abc import Callable


async def _answer(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """Read one HTTP/1.1 answer: (status, connection kept alive)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    code = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
    if "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    return code, headers.get("connection", "").lower() != "close"


class _Pool:
    """Kept-alive connections, the idle ones reused; one idle for longer than the server keeps it
    (gunicorn's keep-alive: 2 s) is closed rather than reused, or the server's close would be
    counted as the next request's error."""

    MAX_IDLE_S = 1.0

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port, self.idle, self.opened = host, port, [], 0

    async def take(self):
        now = time.monotonic()
        while self.idle:
            connection, since = self.idle.pop()
            if now - since < self.MAX_IDLE_S:
                return connection
            connection[1].close()
        self.opened += 1
        return await asyncio.open_connection(self.host, self.port)

    def give(self, connection) -> None:
        self.idle.append((connection, time.monotonic()))


async def _run(host: str, port: int, rate: float, duration: float, request: Callable[[int], bytes],
               timeout: float) -> dict:
    loop, pool = asyncio.get_running_loop(), _Pool(host, port)
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    failures: list[str] = []

    async def one(i: int, due: float) -> None:
        connection = None
        try:
            async with asyncio.timeout(timeout):
                connection = await pool.take()
                reader, writer = connection
                writer.write(request(i))
                await writer.drain()
                code, alive = await _answer(reader)
            latencies.append(loop.time() - due)
            statuses[code] = statuses.get(code, 0) + 1
            if alive:
                pool.give(connection)
            else:
                connection[1].close()
        except (OSError, TimeoutError, asyncio.IncompleteReadError, ValueError) as exc:
            failures.append(type(exc).__name__)
            if connection is not None:
                connection[1].close()

    count = int(rate * duration)
    start = loop.time() + 0.2
    tasks, late = [], 0.0
    for i in range(count):
        due = start + i / rate
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        late = max(late, loop.time() - due)
        tasks.append(asyncio.create_task(one(i, due)))
    await asyncio.gather(*tasks)
    elapsed = loop.time() - start
    for (_, writer), _since in pool.idle:
        writer.close()
    return _summary(latencies, statuses, failures, count, elapsed, late, pool.opened)


def _summary(latencies, statuses, failures, count, elapsed, late, opened) -> dict:
    ordered = sorted(latencies)

    def pct(p: float) -> float | None:
        return round(ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000, 2) if ordered else None

    ok = sum(n for code, n in statuses.items() if 200 <= code < 300)
    return {"requetes_prevues": count, "reponses_2xx": ok, "reponses_non_2xx": count - ok - len(failures),
            "erreurs": len(failures), "p50_ms": pct(50), "p90_ms": pct(90), "p99_ms": pct(99),
            "max_ms": round(ordered[-1] * 1000, 1) if ordered else None,
            "debit_obtenu_req_s": round(ok / elapsed, 1) if elapsed else None,
            "retard_max_envoi_ms": round(late * 1000, 2), "connexions_ouvertes": opened,
            "statuts": {str(code): n for code, n in sorted(statuses.items())}}


def open_loop(*, host: str, port: int, rate: float, duration: float, request: Callable[[int], bytes],
              timeout: float = 10.0) -> dict:
    """Send int(rate × duration) requests, request(i) due at i / rate seconds; latencies from the due time."""
    started = time.perf_counter()
    result = asyncio.run(_run(host, port, rate, duration, request, timeout))
    return {"client": "boucle ouverte, asyncio (flux HTTP/1.1, connexions gardées)", "cadence_req_s": rate,
            "duree_s": duration, "duree_reelle_s": round(time.perf_counter() - started, 1), **result}


def http_request(method: str, path: str, host: str, headers: dict[str, str], body: bytes = b"") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", f"Content-Length: {len(body)}",
             *(f"{name}: {value}" for name, value in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body
