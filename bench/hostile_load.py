"""Questions while the server is attacked: the real server (`qa serve` on a copy of corpus/),
asked the article dev questions one after another, first idle, then while 20 clients trickle
request bodies (headers and 5 bytes, then nothing) and 50 `POST /api/index` arrive at once
during an indexing run of a new 36 KB document.

Prints the ask p50/p95 of both phases, their ratio, the health answers during the attack and
the index requests' statuses (one run, the others 409 at once). Issue 28 asks the ratio to stay
under 2 and health to answer.

  python -m bench.hostile_load --shared ../shared
"""

from __future__ import annotations

import argparse
import json
import shutil
import socket
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import numpy as np

from bench.server import ROOT, serving

RAIN = "".join(f"Report {i}: the Quillon river station measured {i * 7} millimetres of rain in week {i}.\n"
               for i in range(400))


def asks(base: str, questions: list[str], rounds: int) -> list[float]:
    out = []
    with httpx.Client(timeout=60) as http:
        for q in questions * rounds:
            t0 = time.perf_counter()
            r = http.post(base + "/api/ask", json={"question": q})
            r.raise_for_status()
            out.append((time.perf_counter() - t0) * 1000)
    return out


def summary(ms: list[float]) -> dict[str, float]:
    return {"p50_ms": round(float(np.percentile(ms, 50)), 1), "p95_ms": round(float(np.percentile(ms, 95)), 1),
            "asks": len(ms)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--port", type=int, default=8012)
    ap.add_argument("--rounds", type=int, default=2, help="times the 21 dev questions are asked per phase")
    a = ap.parse_args()
    questions = [json.loads(line)["question"] for line in (a.shared / "eval" / "article-dev.jsonl").open()]
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        shutil.copytree(ROOT / "corpus", corpus)
        with serving(corpus, Path(tmp) / "index", a.port):
            base = f"http://127.0.0.1:{a.port}"
            asks(base, questions, 1)  # warm
            idle = asks(base, questions, a.rounds)
            slow = []
            for _ in range(20):
                s = socket.create_connection(("127.0.0.1", a.port))
                s.sendall(f"POST /api/ask HTTP/1.1\r\nHost: 127.0.0.1:{a.port}\r\nContent-Type: application/json"
                          "\r\nContent-Length: 100\r\n\r\n{\"que".encode())
                slow.append(s)
            (corpus / "rain.txt").write_text(RAIN, encoding="utf-8")
            with ThreadPoolExecutor(51) as pool:
                runs = [pool.submit(lambda: httpx.post(base + "/api/index", timeout=120).status_code)
                        for _ in range(50)]
                time.sleep(0.3)
                health = pool.submit(lambda: [httpx.get(base + "/api/health", timeout=10).status_code
                                              for _ in range(5)])
                attacked = asks(base, questions, a.rounds)
                statuses = [r.result() for r in runs]
            for s in slow:
                s.close()
            result = {"idle": summary(idle), "attacked": summary(attacked),
                      "p50_ratio": round(float(np.percentile(attacked, 50) / np.percentile(idle, 50)), 2),
                      "health_during_attack": health.result(),
                      "index_requests": {str(c): statuses.count(c) for c in sorted(set(statuses))}}
            print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
