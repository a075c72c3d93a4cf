"""Time the web UI in real headless Chromium: Enter -> first streamed text -> full answer.

  python -m bench.ui_latency --base http://127.0.0.1:8000 [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics

from playwright.sync_api import sync_playwright

QUESTIONS = [
    "How much has Alibaba pledged to invest in AI infrastructure?",
    "Who is Alibaba's chief executive officer?",
    "How far did Alibaba's Hong Kong shares fall on Monday?",
    "Which Citigroup analyst commented on the investment?",
    "What was Alibaba's net profit last quarter?",
]

WATCH = """() => { window.__lat = null; window.__start = performance.now(); new Promise((resolve) => {
  const start = window.__start;
  let first = null;
  const bots = () => document.querySelectorAll('#qa-chat .bot');
  const n = bots().length;
  const timer = setInterval(() => {
    const all = bots();
    const last = all[all.length - 1];
    if (all.length > n && last) {
      const text = last.innerText.trim();
      if (first === null && text && !text.endsWith('…')) first = performance.now() - start;
      const done = document.querySelector('#qa-sources .qa-cite') && !document.querySelector('#qa-sources')
        .innerText.includes('Searching');
      if (first !== null && done) { clearInterval(timer); resolve([first, performance.now() - start]); }
    }
  }, 5);
}).then((r) => { window.__lat = r; }); }"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", default="http://127.0.0.1:8000")
    ap.add_argument("--runs", type=int, default=2)
    a = ap.parse_args()
    firsts, fulls = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                    args=["--headless", "--no-sandbox", "--disable-background-networking"])
        page = browser.new_page()
        page.goto(a.base + "/")
        page.wait_for_selector("#qa-question textarea")
        for _ in range(a.runs):
            for q in QUESTIONS:
                page.fill("#qa-question textarea", q)
                page.evaluate(WATCH)
                page.press("#qa-question textarea", "Enter")
                page.wait_for_function("window.__lat !== null", timeout=60_000)
                first, full = page.evaluate("window.__lat")
                firsts.append(first)
                fulls.append(full)
                page.wait_for_timeout(200)
        browser.close()
    print(f"{len(firsts)} questions: Enter -> first streamed text p50 {statistics.median(firsts):.0f} ms "
          f"(max {max(firsts):.0f}); Enter -> full answer with sources p50 {statistics.median(fulls):.0f} ms "
          f"(max {max(fulls):.0f})")


if __name__ == "__main__":
    main()
