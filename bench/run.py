#!/usr/bin/env python3
"""Benchmark the app against the framework's floor (a bare one-widget page), in one run.

    python3 scripts/dev.py bench              # full run, writes docs/PERFORMANCE.md
    python3 scripts/dev.py bench --smoke      # short run (CI): same steps, fewer repeats, no doc

Both servers run under the same Python. Measured:
  1. first render of every page in headless Chromium at 820x1180 (median of N loads each),
     timed from navigation to the app's own idle state (connected, script not running,
     no skeleton);
  2. interaction latency per page: type into the page's first input and time until the
     script run it triggers has finished (a MutationObserver on the app's script state);
  3. AppTest script time per page;
  4. server RSS with 1, 10 and 30 open sessions (websocket sessions speaking the app's own
     protocol, bench/session_client.py);
  5. 30 concurrent sessions loading and interacting with think time: p50/p95 and errors,
     against one session alone;
  6. a soak: 30 sessions of random interactions, then all closed: RSS end vs start.
It writes the table with the ratios to the bare page and the verdict of every target.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.session_client import Session  # noqa: E402
from ui import nav  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
IDLE = ("[data-testid='stApp'][data-test-connection-state='CONNECTED']",
        "[data-testid='stMainBlockContainer'] [data-testid='stElementContainer']",
        "[data-testid='stApp'][data-test-script-state='notRunning']")
# A ward's pace: each of 30 sessions arrives within WARD_ARRIVAL s, loads its page and makes
# WARD_ACTIONS edits with WARD_THINK s between them.
WARD_ACTIONS, WARD_THINK, WARD_ARRIVAL = 3, (2.0, 8.0), 10.0
# What a user types into each page's first input (a realistic value for its field).
TYPED = {"home": "tocilizumab 72 kg", "library": "托珠单抗", "bare": "72"}
OBSERVER_JS = """() => {
  // The time of the last change to the app's state or its main area (the run's end is the
  // server's "script finished", FRAMES_JS).
  window.__last = 0;
  const app = document.querySelector("[data-testid='stApp']");
  new MutationObserver(() => { window.__last = performance.now(); })
    .observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
  new MutationObserver(() => { window.__last = performance.now(); })
    .observe(document.querySelector("[data-testid='stMainBlockContainer']"), {subtree: true, childList: true, characterData: true});
}"""
# Every websocket message the page receives, timed on the page's clock (installed before the app's
# own scripts): where an interaction's time goes, the server's part (until the last message of
# the run) and the browser's (from it until the page settles). A message that is the server's
# "script finished" (ForwardMsg field 6, read off the top level of the protobuf) is also kept in
# __finished with its status: 0 finished, 3 a fragment finished (2, stopped for a rerun, is not
# an end). That message, not anything on screen, tells that the edit's run is over: the screen
# changes before the run starts (Streamlit's "Press Enter to apply" under a typed field).
FRAMES_JS = """(() => { const W = window.WebSocket; window.__frames = []; window.__finished = [];
  const finished = (data) => {
    if (!(data instanceof ArrayBuffer)) return -1;
    const b = new Uint8Array(data); let i = 0;
    const varint = () => { let v = 0, s = 1, x; do { x = b[i++]; v += (x & 0x7f) * s; s *= 128; } while ((x & 0x80) && i < b.length); return v; };
    while (i < b.length) {
      const tag = varint(), field = Math.floor(tag / 8), wire = tag % 8;
      if (wire === 0) { const v = varint(); if (field === 6) return v; }
      else if (wire === 2) { const n = varint(); i += n; }  // not i += varint(): that reads i first
      else if (wire === 1) i += 8; else if (wire === 5) i += 4; else return -1;
    }
    return -1; };
  window.WebSocket = class extends W { constructor(...a) { super(...a);
    this.addEventListener('message', (e) => { const t = performance.now(); window.__frames.push(t);
      const status = finished(e.data); if (status === 0 || status === 3) window.__finished.push(t); }); } }; })()"""
# Chromium's own cumulative counters of the page's main thread (CDP Performance.getMetrics), s.
BUSY = ("TaskDuration", "ScriptDuration", "LayoutDuration", "RecalcStyleDuration")
# The edit's run is over: the server's "script finished" arrived after the edit (t0), the app shows
# itself idle, and two animation frames have passed since (React has committed and painted what
# that message ended). Resolves to the time of the last change to the app's state or its main area.
RUN_DONE_JS = """(t0) => { const app = document.querySelector("[data-testid='stApp']");
  if (!window.__finished.some((t) => t >= t0)) return false;
  if (app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  if (document.querySelector('[data-testid="stSkeleton"]')) return false;
  return true; }"""
SETTLED_JS = """() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(
  () => done([window.__last, window.__frames, window.__finished]))))"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(script: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", script, "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                return proc, url
        except OSError:
            time.sleep(0.2)  # polling the server's health endpoint while it starts
    proc.kill()
    raise RuntimeError(f"{script} did not start")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(q * (len(s) - 1))))]


# --- 1 and 2: the browser -----------------------------------------------------------------

def timed_load(page, url: str) -> float:
    """Seconds from navigation to the app's own idle state with no skeleton left."""
    t0 = time.perf_counter()
    page.goto(url)
    for sel in IDLE:
        page.wait_for_selector(sel, timeout=60000)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stSkeleton\"]')")
    return time.perf_counter() - t0


def main_thread(cdp) -> dict[str, float]:
    metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    return {k: metrics.get(k, 0.0) for k in BUSY}


def browser_measures(targets: dict[str, str], loads: int, interactions: int) -> dict[str, dict]:
    from playwright.sync_api import sync_playwright

    out: dict[str, dict] = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        # Cold loads, interleaved: one discarded round first (it warms the OS file cache and
        # the servers' imports, which would otherwise count against whichever target came
        # first, the floor), then rounds over all targets, so that a slow moment of the
        # machine falls on every target alike rather than on one.
        cold: dict[str, list[float]] = {name: [] for name in targets}
        for round_no in range(loads + 1):
            for name, url in targets.items():
                ctx = browser.new_context(viewport={"width": 820, "height": 1180})
                took = timed_load(ctx.new_page(), url)
                ctx.close()
                if round_no:
                    cold[name].append(took)
        for name, url in targets.items():
            renders = cold[name]
            # The same page again in one context (a warm cache: a ward tablet's second visit).
            warm = []
            ctx = browser.new_context(viewport={"width": 820, "height": 1180})
            page = ctx.new_page()
            for _ in range(loads + 1):
                warm.append(timed_load(page, url))
            elements = page.evaluate("() => document.querySelectorAll(\"[data-testid='stElementContainer']\").length")
            ctx.close()
            latencies, frames, parts = [], [], []
            ctx = browser.new_context(viewport={"width": 820, "height": 1180})
            ctx.add_init_script(FRAMES_JS)
            page = ctx.new_page()
            cdp = ctx.new_cdp_session(page)
            cdp.send("Performance.enable")
            timed_load(page, url)
            act = pick_interaction(page, name)
            for i in range(interactions if act is not None else 0):
                page.evaluate(OBSERVER_JS)
                busy0 = main_thread(cdp)
                t0 = page.evaluate("() => performance.now()")
                act(i)
                page.wait_for_function(RUN_DONE_JS, arg=t0, timeout=60000)
                last_change, times, ends = page.evaluate(SETTLED_JS)
                busy = {k: v - busy0[k] for k, v in main_thread(cdp).items()}
                # The run's messages: from the edit to the first "script finished" after it.
                run_end = min(t for t in ends if t >= t0)
                mine = [x for x in times if t0 <= x <= run_end]
                end = max(last_change, run_end)
                latencies.append((end - t0) / 1000)
                frames.append(len(mine))
                if mine:
                    parts.append({"first_frame_s": (mine[0] - t0) / 1000, "last_frame_s": (mine[-1] - t0) / 1000,
                                  "settle_s": max(0.0, end - mine[-1]) / 1000, "busy_s": busy["TaskDuration"],
                                  "script_s": busy["ScriptDuration"],
                                  "layout_s": busy["LayoutDuration"] + busy["RecalcStyleDuration"]})
            ctx.close()
            print(f"  {name}: first render {statistics.median(renders):.2f} s, interaction "
                  f"{statistics.median(latencies) if latencies else float('nan'):.3f} s", flush=True)
            out[name] = {"first_render_s": statistics.median(renders), "warm_render_s": statistics.median(warm[1:]),
                         "elements": elements,
                         "interaction_s": statistics.median(latencies) if latencies else None,
                         "frames": statistics.median(frames) if frames else None,
                         "parts": {k: statistics.median(p[k] for p in parts) for k in parts[0]} if parts else None,
                         "input": act is not None}
        browser.close()
    return out


# How a user changes one input on each page: (kind, label or None for the first visible,
# the values typed or the buttons clicked in turn). Extra query parameters open the page in
# the state where that input shows.
INTERACT: dict[str, tuple[str, str | None, tuple[str, ...]]] = {
    "bare": ("number", "Weight (kg)", ("72", "74")),
    "bare_deep": ("number", "Weight (kg)", ("72", "74")),
    "home": ("chat", None, ("tocilizumab 72 kg", "ICE 6")),
    "toxicity": ("number", None, ("38.6", "39.2")),
    "dosing": ("number", "Weight (kg)", ("72", "74")),
    "eligibility": ("number", None, ("70", "80")),
    "relapse": ("choose", None, ("Negative", "Positive")),
    "followup": ("number", None, ("3", "5")),
    "evidence": ("choose", None, ("CD28", "4-1BB")),
    "practice": ("click", None, ("New case", "New case")),
    "library": ("text", "Search", ("托珠单抗", "IgG")),
    "cytopenia": ("click", None, ("Fill in an example series", "Clear the table")),
}
EXTRA_QUERY = {"followup": "&infusion=2026-01-31", "dosing": "&weight_kg=70"}
FIELD = {"number": "[data-testid='stNumberInput'] input", "text": "[data-testid='stTextInput'] input",
         "chat": "[data-testid='stChatInputTextArea']"}


def pick_interaction(page, name: str):
    """A function of the round i that changes one input of the page as a user would."""
    kind, label, values = INTERACT.get(name, ("number", None, ("70", "72")))
    main = page.locator("[data-testid='stMainBlockContainer']")
    if kind == "click":
        return lambda i: main.get_by_role("button", name=values[i % 2]).first.click()
    if kind == "choose":  # an option of a segmented control or of pills
        return lambda i: main.locator("[data-testid='stButtonGroup']").get_by_text(values[i % 2], exact=True).first.click()
    role = {"number": "spinbutton", "text": "textbox", "chat": "textbox"}[kind]
    # The chat input sits at page level (pinned to the bottom, outside the main block).
    scope = page if kind == "chat" else main
    field = (scope.get_by_role(role, name=label, exact=True) if label
             else scope.locator(FIELD[kind] + " >> visible=true").first)
    if not field.count():
        raise RuntimeError(f"{name}: no {kind} input {label or ''} to interact with")
    return lambda i: (field.fill(values[i % 2]), field.press("Enter"))


# --- 3: AppTest -----------------------------------------------------------------------

def apptest_times(slugs: list[str], repeats: int) -> dict[str, float]:
    from streamlit.testing.v1 import AppTest

    out = {}
    for slug in slugs:
        times = []
        for _ in range(repeats + 1):
            at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
            at.run()
            if slug != "home":
                at.switch_page(f"pages/{slug}.py")
            t0 = time.perf_counter()
            at.run()
            times.append(time.perf_counter() - t0)
        out[slug] = statistics.median(times[1:])  # the first run warms caches
    bare = []
    for _ in range(repeats + 1):
        at = AppTest.from_file(str(ROOT / "bench" / "bare_app.py"), default_timeout=120)
        at.run()  # timed like the pages: a rerun of a session that has run once
        t0 = time.perf_counter()
        at.run()
        bare.append(time.perf_counter() - t0)
    out["bare"] = statistics.median(bare[1:])
    return out


# --- 4, 5, 6: sessions over the protocol ------------------------------------------------

async def open_session(base: str, page: str) -> Session:
    s = Session(base, page=page, query="lang=en")
    await s.connect()
    return s


async def rss_by_sessions(base: str, pid: int, slugs: list[str], levels: list[int]) -> dict[int, float]:
    sessions: list[Session] = []
    out = {}
    for level in levels:
        while len(sessions) < level:
            s = await open_session(base, "" if (p := slugs[len(sessions) % len(slugs)]) == "home" else p)
            r = await s.run()
            if r.exceptions or r.status != "FINISHED_SUCCESSFULLY":
                raise RuntimeError(f"session on {p}: {r}")
            sessions.append(s)
        out[level] = rss_mb(pid)
    for s in sessions:
        await s.close()
    return out


async def user(base: str, page: str, rng: random.Random, actions: int, think: tuple[float, float],
               lat: list[float], errors: list[str], arrive_within: float = 0.0) -> None:
    try:
        if arrive_within:
            await asyncio.sleep(rng.uniform(0, arrive_within))  # users arrive over a spell, not in one ms
        s = await open_session(base, "" if page == "home" else page)
        r = await s.run()
        lat.append(r.seconds)
        if r.exceptions or r.status != "FINISHED_SUCCESSFULLY":
            errors.append(f"{page} load: {r.status} exceptions={r.exceptions}")
        for _ in range(actions):
            await asyncio.sleep(rng.uniform(*think))  # a user's think time between edits
            r = await s.interact(TYPED.get(page, rng.choice([45.5, 60, 72, 88.2, 120])))
            lat.append(r.seconds)
            if r.exceptions or r.status != "FINISHED_SUCCESSFULLY":
                errors.append(f"{page} interaction: {r.status} exceptions={r.exceptions}")
        await s.close()
    except Exception as e:  # noqa: BLE001 - every failure of a session is an error to count
        errors.append(f"{page}: {type(e).__name__}: {e}")


def summary(lat: list[float], errors: list[str]) -> dict:
    return {"n": len(lat), "p50": pct(lat, 0.5), "p95": pct(lat, 0.95), "errors": errors}


async def load_test(base: str, slugs: list[str], n: int, actions: int, think: tuple[float, float],
                    seed: int, arrive_within: float = 0.0) -> dict:
    lat: list[float] = []
    errors: list[str] = []
    rng = random.Random(seed)
    await asyncio.gather(*[
        user(base, slugs[i % len(slugs)], random.Random(rng.random()), actions, think, lat, errors, arrive_within)
        for i in range(n)
    ])
    return summary(lat, errors)


async def alone(base: str, slugs: list[str], actions: int, rounds: int, seed: int) -> dict:
    """One session at a time, with the same mix as a load test's users (each loads its page and
    makes `actions` edits) over the same pages, so a p95 compares like with like: a page load
    is several times an edit, and a quarter of a ward's runs are loads."""
    lat: list[float] = []
    errors: list[str] = []
    rng = random.Random(seed)
    for _ in range(rounds):
        for slug in slugs:
            await user(base, slug, random.Random(rng.random()), actions, (0.2, 0.5), lat, errors)
    return summary(lat, errors)


async def soak(base: str, pid: int, slugs: list[str], n: int, seconds: float, seed: int) -> dict:
    start = rss_mb(pid)
    deadline = time.monotonic() + seconds
    lat: list[float] = []
    errors: list[str] = []

    async def random_user(rng: random.Random) -> None:
        while time.monotonic() < deadline:
            page = rng.choice(slugs)
            await user(base, page, rng, rng.randint(1, 4), (0.1, 1.0), lat, errors)

    rng = random.Random(seed)
    await asyncio.gather(*[random_user(random.Random(rng.random())) for _ in range(n)])
    end = rss_mb(pid)
    return {"start_mb": start, "end_mb": end, "runs": len(lat), "errors": errors,
            "p95": pct(lat, 0.95) if lat else None}


# --- report ------------------------------------------------------------------------------

def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def report(r: dict) -> str:
    b = r["browser"]
    lines = [
        "# Performance",
        "",
        f"Measured by `python3 scripts/dev.py bench` on {r['machine']} ({r['date']}), "
        f"Streamlit {r['streamlit']}, Python {r['python']}. The floor is a bare one-widget Streamlit "
        "page (`bench/bare_app.py`) served by the same Python with the same `.streamlit/config.toml`, "
        "at `/` and at the deep link `/deep`: the home page is compared with the first, every other "
        "page (a deep link) with the second, since a deep link makes the browser probe "
        "`<page>/_stcore/health` (a 404, then a retry) before it connects. Browser numbers are "
        f"medians of {r['loads']} loads and {r['interactions']} interactions per page in headless "
        "Chromium at 820x1180, each load in a new browser context (a cold browser cache), the loads "
        "taken in rounds over all pages after one discarded round. \"Warm cache\" is the same page "
        "reloaded in one context (a ward tablet's second visit).",
        "",
        "## Pages",
        "",
        "| page | elements | first render (s) | × floor | target ≤1.2× | warm cache (s) | × floor "
        "| interaction (s) | × floor | target ≤1.3× | websocket frames per interaction | AppTest run (s) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, m in b.items():
        floor = b["bare"] if name in ("bare", "home") else b["bare_deep"]
        fr = m["first_render_s"] / floor["first_render_s"]
        it = (m["interaction_s"] / floor["interaction_s"]) if m["interaction_s"] else None
        lines.append(
            f"| {name} | {m['elements']} | {m['first_render_s']:.2f} | {fr:.2f} | {verdict(fr <= 1.2)} | "
            f"{m['warm_render_s']:.2f} | {m['warm_render_s'] / floor['warm_render_s']:.2f} | "
            + (f"{m['interaction_s']:.3f} | {it:.2f} | {verdict(it <= 1.3)} | {m['frames']:.0f}" if it
               else "– | – | no input | –")
            + (f" | {r['apptest'][name]:.3f} |" if name in r["apptest"] else " | – |"))
    lines += [
        "",
        "### Where an interaction's time goes",
        "",
        "Medians over the same interactions, on the page's clock: from the edit to the first and to the "
        "last websocket message of its run (the server's part: the script, then each element serialised "
        "and sent), from that last message until the page settles (the browser's part), and the page's "
        "main-thread time in Chromium's own counters over the whole interaction (CDP "
        "`Performance.getMetrics`: all tasks; of them script, and style and layout).",
        "",
        "| page | frames | edit → first message (s) | edit → last message (s) | last message → settled (s) "
        "| main thread busy (s) | of it script (s) | of it style and layout (s) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, m in b.items():
        p = m.get("parts")
        if p:
            lines.append(f"| {name} | {m['frames']:.0f} | {p['first_frame_s']:.3f} | {p['last_frame_s']:.3f} | "
                         f"{p['settle_s']:.3f} | {p['busy_s']:.3f} | {p['script_s']:.3f} | {p['layout_s']:.3f} |")
    rss = r["rss"]
    per = (rss[30] - rss[1]) / 29
    lt, single, burst = r["load"], r["single"], r["burst"]
    bare_single, bare_burst = r["bare_single"], r["bare_burst"]
    lines += [
        "",
        "## Server",
        "",
        "| measure | value | target | verdict |",
        "| --- | --- | --- | --- |",
        f"| RSS with 1 / 10 / 30 sessions | {rss[1]:.0f} / {rss[10]:.0f} / {rss[30]:.0f} MB | | |",
        f"| RSS per extra session | {per:.2f} MB | ≤10 MB | {verdict(per <= 10)} |",
        f"| one session at a time, same mix of loads and edits: p50 / p95 | {single['p50']:.3f} / "
        f"{single['p95']:.3f} s ({single['n']} runs) | | |",
        f"| 30 concurrent sessions, ward pace: p50 / p95 | {lt['p50']:.3f} / {lt['p95']:.3f} s "
        f"({lt['n']} runs) | p95 ≤2× one session at a time | {verdict(lt['p95'] <= 2 * single['p95'])} |",
        f"| 30 concurrent sessions, ward pace: errors | {len(lt['errors'])} | 0 | {verdict(not lt['errors'])} |",
        f"| stress, 30 sessions in the same instant: p50 / p95 | {burst['p50']:.3f} / {burst['p95']:.3f} s "
        f"({burst['n']} runs, {len(burst['errors'])} errors) | (reported) | |",
        f"| the floor (bare page): one session at a time p95; 30 in the same instant p50 / p95 | "
        f"{bare_single['p95']:.3f}; {bare_burst['p50']:.3f} / {bare_burst['p95']:.3f} s | (reported) | |",
        f"| soak: {r['soak_n']} sessions × {r['soak_s']:.0f} s, runs | {r['soak']['runs']} | | |",
        f"| soak: errors | {len(r['soak']['errors'])} | 0 | {verdict(not r['soak']['errors'])} |",
        f"| soak: RSS start → end (sessions closed) | {r['soak']['start_mb']:.0f} → {r['soak']['end_mb']:.0f} MB "
        f"| within 20% | {verdict(r['soak']['end_mb'] <= 1.2 * r['soak']['start_mb'])} |",
        "",
        "Sessions speak the app's own websocket protocol (`bench/session_client.py`), so the "
        "server, not 30 browser tabs on the same machine, is what is measured. Ward pace: 30 "
        f"sessions open at once, arriving within {WARD_ARRIVAL:.0f} s, each loading its page and making "
        f"{WARD_ACTIONS} edits with {WARD_THINK[0]:.0f}-{WARD_THINK[1]:.0f} s between them, pages "
        "round-robin; the baseline is one session at a time doing the same (each page loaded and "
        f"edited {WARD_ACTIONS} times, four rounds), since a load costs several edits and a quarter "
        "of a ward's runs are loads. Stress: all 30 connect in the same instant and make "
        f"{r['actions']} edits {r['think'][0]}-{r['think'][1]} s apart; on 2 cores a burst queues "
        "behind one interpreter, for the bare page as for the app, so it is reported beside the "
        "floor rather than held to the 2× target.",
    ]
    notes = ROOT / "bench" / "notes.md"  # what the profiles found and what was done (by hand)
    if notes.exists():
        lines += ["", notes.read_text(encoding="utf-8").strip()]
    return "\n".join(lines) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--smoke", action="store_true", help="short run for CI; does not write docs/")
    ap.add_argument("--out", type=Path, default=None, help="where to write the markdown table")
    ap.add_argument("--report-only", action="store_true",
                    help="rewrite docs/PERFORMANCE.md from docs/PERFORMANCE.json (e.g. after editing bench/notes.md)")
    a = ap.parse_args()
    if a.report_only:
        saved = json.loads((ROOT / "docs" / "PERFORMANCE.json").read_text(encoding="utf-8"))
        saved["rss"] = {int(k): v for k, v in saved["rss"].items()}  # JSON keys are strings
        (ROOT / "docs" / "PERFORMANCE.md").write_text(report(saved), encoding="utf-8")
        return 0
    loads, interactions, repeats = (2, 3, 2) if a.smoke else (5, 10, 5)
    soak_n, soak_s = (5, 10.0) if a.smoke else (30, 120.0)
    actions, think = (2, (0.5, 2.0))  # the burst
    slugs = [s for s, _ in nav.available()]

    import platform

    import streamlit

    app, app_url = start_server("app.py")
    bare, bare_url = start_server("bench/bare_app.py")
    try:
        targets = {"bare": bare_url + "/", "bare_deep": bare_url + "/deep"}
        targets.update({s: f"{app_url}/{'' if s == 'home' else s}?lang=en{EXTRA_QUERY.get(s, '')}" for s in slugs})
        result: dict = {
            "machine": f"{platform.machine()}, {__import__('os').cpu_count()} cores",
            "date": time.strftime("%Y-%m-%d"), "streamlit": streamlit.__version__,
            "python": platform.python_version(), "loads": loads, "interactions": interactions,
            "soak_n": soak_n, "soak_s": soak_s, "actions": actions, "think": think,
        }
        result["browser"] = browser_measures(targets, loads, interactions)
        result["apptest"] = apptest_times(slugs, repeats)
        result["rss"] = asyncio.run(rss_by_sessions(app_url, app.pid, slugs, [1, 10, 30]))
        # A ward's pace: 30 sessions open at once, arriving within WARD_ARRIVAL s, editing with
        # WARD_THINK s between edits; the target is read here. Then the stress case: all 30 in
        # the same instant, beside the bare page under the same burst (the framework's floor).
        result["single"] = asyncio.run(alone(app_url, slugs, WARD_ACTIONS, 1 if a.smoke else 4, 1))
        result["load"] = asyncio.run(load_test(app_url, slugs, 30, WARD_ACTIONS, WARD_THINK, 2, WARD_ARRIVAL))
        result["burst"] = asyncio.run(load_test(app_url, slugs, 30, actions, think, 4))
        result["bare_single"] = asyncio.run(alone(bare_url, ["home"] * len(slugs), WARD_ACTIONS, 1 if a.smoke else 4, 1))
        result["bare_burst"] = asyncio.run(load_test(bare_url, ["home"], 30, actions, think, 4))
        result["soak"] = asyncio.run(soak(app_url, app.pid, slugs, soak_n, soak_s, 3))
    finally:
        app.terminate()
        bare.terminate()
    text = report(result)
    print(text)
    out = a.out or (None if a.smoke else ROOT / "docs" / "PERFORMANCE.md")
    if out:
        out.write_text(text, encoding="utf-8")
        (out.with_suffix(".json")).write_text(json.dumps(result, indent=1, default=str), encoding="utf-8")
    errors = result["load"]["errors"] + result["burst"]["errors"] + result["soak"]["errors"]
    if errors:
        print("errors:", *errors[:20], sep="\n  ")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
