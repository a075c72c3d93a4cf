"""Load and overload on loopback: the real server (`qa serve` on corpus/, its own index),
asked unique SQuAD questions (no cache hits) by concurrent asyncio clients.

Phases: 8 clients for 60 s, then 32 clients for 30 s, alternating /api/ask and /api/retrieve.
Prints per phase: requests, throughput, status counts, p50/p99 latency of the 200s, and the
server's peak RSS. Expected: no 5xx but 503 (busy, with Retry-After) and no error at 8.

  python -m bench.load --data ../shared/data/squad-v1.1 [--short]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections import Counter
from pathlib import Path

import httpx
import numpy as np

from bench.server import ROOT, serving


def questions(data: Path) -> list[str]:
    seen: dict[str, None] = {}
    for f in sorted(data.glob("*.json")):
        for article in json.loads(f.read_text(encoding="utf-8"))["data"]:
            for p in article["paragraphs"]:
                seen.update((q["question"].strip(), None) for q in p["qas"] if q["question"].strip())
    return list(seen)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def phase(base: str, pid: int, pool: list[str], clients: int, seconds: float) -> dict:
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    peak = rss_mb(pid)
    stop = time.monotonic() + seconds

    async def client(n: int, http: httpx.AsyncClient) -> None:
        i = n
        while time.monotonic() < stop:
            q = pool.pop() if pool else f"question {n}-{i}"
            path, body = (("/api/ask", {"question": q}) if i % 2 else ("/api/retrieve", {"query": q, "k": 4}))
            t0 = time.perf_counter()
            try:
                r = await http.post(base + path, json=body)
                statuses[r.status_code] += 1
                if r.status_code == 200:
                    latencies.append((time.perf_counter() - t0) * 1000)
                elif r.status_code == 503:
                    await asyncio.sleep(float(r.headers.get("retry-after", "1")))
            except httpx.HTTPError as exc:
                statuses[type(exc).__name__] += 1  # type: ignore[index]
            i += clients

    async def watch() -> None:
        nonlocal peak
        while time.monotonic() < stop:
            peak = max(peak, rss_mb(pid))
            await asyncio.sleep(0.5)

    limits = httpx.Limits(max_connections=clients)
    async with httpx.AsyncClient(timeout=60, limits=limits) as http:
        t0 = time.monotonic()
        await asyncio.gather(watch(), *(client(n, http) for n in range(clients)))
        took = time.monotonic() - t0
    lat = np.array(latencies) if latencies else np.array([float("nan")])
    return {"clients": clients, "seconds": round(took, 1), "requests": sum(statuses.values()),
            "ok_per_s": round(len(latencies) / took, 1), "statuses": dict(statuses),
            "p50_ms": round(float(np.percentile(lat, 50)), 1), "p99_ms": round(float(np.percentile(lat, 99)), 1),
            "peak_rss_mb": round(peak)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "squad-v1.1")
    ap.add_argument("--port", type=int, default=8011)
    ap.add_argument("--short", action="store_true", help="10 s phases (a smoke run)")
    a = ap.parse_args()
    with serving(ROOT / "corpus", ROOT / ".qa" / "bench-load", a.port) as server:
        base = f"http://127.0.0.1:{a.port}"
        pool = questions(a.data)
        print(f"server pid {server.pid}, RSS {rss_mb(server.pid):.0f} MB; {len(pool)} unique questions", flush=True)
        for clients, seconds in ((8, 60), (32, 30)):
            result = asyncio.run(phase(base, server.pid, pool, clients, 10 if a.short else seconds))
            print(json.dumps(result), flush=True)

if __name__ == "__main__":
    main()
