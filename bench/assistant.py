"""Benchmark rows for the chat's ask(): p50/p95 over the question corpora, and the worst case over
adversarial inputs up to the chat's 300-character limit (issue 13: p95 <= 20 ms, any input <= 50 ms).

    python -m bench.assistant
"""

from __future__ import annotations

import statistics
import time
from datetime import date, datetime
from pathlib import Path

import yaml

from logic.assistant import MAX_CHARS, ask

CTX = {"today": date(2026, 11, 30), "now": datetime(2026, 11, 30, 12), "lang": "en"}
ADVERSARIAL = {
    "300 digits": "9" * 300, "5000 digits": "9" * 5000, "300 x 'toci '": "toci " * 60,
    "dates": "2026-01-01 " * 30, "CJK numerals": "一二三四五六七八九十" * 30, "pressors": "norepi dopamine " * 20,
    "near-typos": "tocilizumbb " * 27, "mixed": ("T39.4 BP 80/45 托株单抗 4L NC 已打4次 " * 8)[:MAX_CHARS],
}


def _ms(fn, n: int = 1) -> list[float]:
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def main() -> None:
    ask("warm up", CTX)
    items = []
    for name in ("heldout.yaml", "main.yaml"):
        p = Path(__file__).resolve().parents[1] / "tests" / "corpus" / name
        if p.exists():
            items += yaml.safe_load(p.read_text(encoding="utf-8"))["items"]
    times = sorted(t for i in items for t in _ms(lambda i=i: ask(i["q"], {**CTX, "lang": i["lang"]})))
    p95 = times[int(0.95 * (len(times) - 1))]
    print(f"corpus ({len(items)} questions): p50 {statistics.median(times):.1f} ms, p95 {p95:.1f} ms, max {times[-1]:.1f} ms")
    for label, text in ADVERSARIAL.items():
        worst = max(_ms(lambda text=text: ask(text, CTX), 3))
        print(f"adversarial {label:<14} ({min(len(text), MAX_CHARS)} chars read): max {worst:.1f} ms")


if __name__ == "__main__":
    main()
