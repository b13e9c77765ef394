"""Shared fixtures: a Streamlit server on a free loopback port, and headless Chromium."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import settings
from playwright.sync_api import expect

# Every property test is derandomised and keeps no example database: a CI run draws exactly the
# examples a local run drew, so a failure reproduces (per-test @settings only add example counts).
settings.register_profile("reproducible", derandomize=True, database=None, deadline=None)
settings.load_profile("reproducible")

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# Streamlit's page load probes <page>/_stcore/health and host-config, which answer 404.
FRAMEWORK_PROBES = ("/_stcore/health", "/_stcore/host-config")
TABLET = {"width": 820, "height": 1180}
PHONE = {"width": 390, "height": 844}
# Browser tests fail when Chromium is missing; a machine that cannot run them says so explicitly.
# AppTest page runs read the time through ui/clock.py; fix_clock(at) fixes it (ui.clock.TEST_NOW_KEY) so a
# page test gives the same result at midnight and in any zone. AppTest sends no browser zone: the pages'
# wall clock is UTC, so WALL_NOW is FIXED_NOW without its zone.
FIXED_NOW = datetime(2026, 12, 2, 9, 22, tzinfo=UTC)
WALL_NOW = FIXED_NOW.replace(tzinfo=None)
TODAY = WALL_NOW.date()


def fix_clock(at):
    from ui.clock import TEST_NOW_KEY

    at.session_state[TEST_NOW_KEY] = FIXED_NOW
    return at


def card_texts(at) -> dict[str, str]:
    """The result cards' text in an AppTest run, by kind ("crs", "icans", "ld"): the first markdown
    (it starts "### label") of the container keyed <page>_<kind>_<level>_result_card
    (ui/components.result_card), markdown escapes undone."""
    import re

    from streamlit.testing.v1.element_tree import Block, Markdown

    found: dict[str, str] = {}

    def walk(node) -> None:
        for child in getattr(node, "children", {}).values():
            if not isinstance(child, Block):
                continue
            m = re.search(r"_(crs|icans|ld)_[a-z]+_result_card$", getattr(child.proto, "id", "") or "")
            if m:
                first = next(c for c in child.children.values() if isinstance(c, Markdown))
                assert first.value.startswith("### "), first.value
                assert m.group(1) not in found, f"two {m.group(1)} cards"
                found[m.group(1)] = re.sub(r"\\(.)", r"\1", first.value)
            walk(child)

    walk(at._tree)
    return found


def card_badges(at) -> dict[str, str]:
    """The result cards' badges ("### label", the card's first line) by kind."""
    return {kind: text.split("\n", 1)[0].removeprefix("### ") for kind, text in card_texts(at).items()}


def card_badge(page, kind: str, base: str = "toxicity"):
    """The result card's badge in the browser: the first "### label" heading of the container keyed
    <base>_<kind>_<level>_result_card (the one-line strip a phone shows is a separate container)."""
    return page.locator(f"[class*='st-key-{base}_{kind}_'][class*='_result_card'] h3").first


SKIP_BROWSER = os.environ.get("CART_SKIP_BROWSER_TESTS", "").lower() in {"1", "true", "yes"}


def _is_local(url: str) -> bool:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return parts.scheme in {"data", "blob", "about"} or parts.hostname in {"127.0.0.1", "localhost"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def app_url() -> Iterator[str]:
    yield from serve_app()


class AppServer:
    """`streamlit run app.py` on a free loopback port. Its output is drained by a thread (kept
    for tests that read it); start() returns once the server has printed the URL it listens on,
    which it does only after binding, so nothing polls or sleeps."""

    def __init__(self, env: dict[str, str] | None = None) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.output: list[bytes] = []
        self._listening = threading.Event()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(self.port),
             "--server.address", "127.0.0.1", "--server.headless", "true"],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
        )
        self._drainer = threading.Thread(target=self._drain, daemon=True)
        self._drainer.start()

    def _drain(self) -> None:
        for line in self.proc.stdout:
            self.output.append(line)
            if f"URL: {self.url}".encode() in line:
                self._listening.set()
        self._listening.set()  # the server ended: wake the waiter, which sees proc.poll()

    def start(self, timeout: float = 60) -> str:
        if not self._listening.wait(timeout) or self.proc.poll() is not None:
            self.stop()
            raise RuntimeError(f"the app did not start:\n{self.text()}")
        with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=10) as r:
            assert r.status == 200, r.status
        return self.url

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self._drainer.join(timeout=10)  # the rest of the output, up to the end of the stream

    def text(self) -> str:
        return b"".join(self.output).decode("utf-8", "replace")


def serve_app() -> Iterator[str]:
    """Start the app; yield its URL; stop it (also on generator.close())."""
    server = AppServer()
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        if SKIP_BROWSER:
            pytest.skip(f"{CHROMIUM} is missing and CART_SKIP_BROWSER_TESTS is set")
        pytest.fail(f"{CHROMIUM} is missing (apt-get install chromium), or set CART_SKIP_BROWSER_TESTS=1 "
                    "to skip the browser tests on purpose")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield b
        b.close()


_OBSERVE_RUNS = """() => {
  // Each record's oldValue plus the value now rebuilds every state the app passed through,
  // even when two changes land in one observer callback.
  window.__runs = [];
  window.__mainChanged = false;
  const app = document.querySelector("[data-testid='stApp']");
  new MutationObserver((records) => {
    for (const r of records) window.__runs.push(r.oldValue);
    window.__runs.push(app.getAttribute('data-test-script-state'));
  }).observe(app, {attributes: true, attributeOldValue: true, attributeFilter: ['data-test-script-state']});
  const main = document.querySelector("[data-testid='stMainBlockContainer']");
  if (main) new MutationObserver(() => { window.__mainChanged = true; })
    .observe(main, {subtree: true, childList: true, characterData: true});
}"""
# A run was seen start and finish; or (a run so fast that React batched its state away)
# the main area re-rendered and the app is idle.
_RUN_FINISHED = """() => { const r = window.__runs || []; const i = r.indexOf('running');
  const idle = document.querySelector("[data-testid='stApp']").getAttribute('data-test-script-state') === 'notRunning';
  return (i >= 0 && r.slice(i).includes('notRunning')) || (window.__mainChanged && idle); }"""


class PageProbe:
    """A page plus what went wrong on it: console errors and failed responses (probes aside)."""

    def __init__(self, page):
        self.page = page
        self.errors: list[str] = []
        self.requests: list[str] = []
        page.on("request", lambda req: self.requests.append(req.url))
        page.on("console", self._console)
        page.on("pageerror", lambda e: self.errors.append(f"pageerror {e}"))
        page.on("response", self._response)

    def _console(self, msg) -> None:
        if msg.type == "error" and not msg.text.startswith("Failed to load resource"):
            self.errors.append(msg.text)

    def _response(self, r) -> None:
        if r.status >= 400 and not r.url.endswith(FRAMEWORK_PROBES):
            self.errors.append(f"{r.status} {r.url}")

    def goto(self, url: str) -> None:
        self.page.goto(url)
        self.wait_idle()

    def wait_idle(self) -> None:
        """Wait on the app's own state: connected, something rendered, script finished, no skeleton."""
        p = self.page
        p.wait_for_selector("[data-testid='stApp'][data-test-connection-state='CONNECTED']", timeout=30000)
        p.wait_for_selector("[data-testid='stMainBlockContainer'] [data-testid='stElementContainer']", timeout=30000)
        p.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=30000)
        p.wait_for_function("() => !document.querySelector('[data-testid=\"stSkeleton\"]')", timeout=30000)

    def open_expander(self, label: str) -> None:
        """Open an expander by its label and wait until it has finished opening. Its content
        slides open: a tap on a button inside it during that animation lands its pointerdown on
        the button and its pointerup elsewhere, so the browser sends no click at all (seen as the
        "lost first tap on New patient": pointerdown on the button, click on a <div>)."""
        page = self.page
        summary = page.locator("[data-testid='stExpander'] summary").filter(has_text=label).first
        summary.click()
        details = summary.locator("xpath=..")
        expect(details).to_have_attribute("open", "")
        details.evaluate("""(d) => new Promise((done) => {
          const still = () => d.getAnimations({subtree: true}).every((a) => a.playState !== 'running');
          const check = () => still() ? done() : requestAnimationFrame(check);
          requestAnimationFrame(check);
        })""")

    def act(self, action) -> None:
        """Do something that triggers a script run (type + Enter, click) and wait until that
        run has finished: a MutationObserver records the app's script state, so a fast run
        is not missed and nothing waits on a clock."""
        self.page.evaluate(_OBSERVE_RUNS)
        action()
        self.page.wait_for_function(_RUN_FINISHED, timeout=30000)
        self.wait_idle()

    def overflow_px(self) -> int:
        return self.page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")

    def assert_no_exception(self) -> None:
        boxes = self.page.locator("[data-testid='stException']")
        assert boxes.count() == 0, f"an exception box is shown: {boxes.all_inner_texts()}"

    def assert_clean(self) -> None:
        self.assert_no_exception()
        assert self.page.get_by_text("Page not found").count() == 0, "a 'Page not found' dialog is shown"
        assert self.overflow_px() <= 0, f"horizontal overflow of {self.overflow_px()} px"
        assert not self.errors, f"console or network errors: {self.errors}"
        outside = [u for u in self.requests if not _is_local(u)]
        assert not outside, f"requests left the machine: {outside[:5]}"


@pytest.fixture
def open_page(browser, app_url):
    contexts = []

    def _open(path: str, viewport: dict = TABLET) -> PageProbe:
        ctx = browser.new_context(viewport=viewport)
        contexts.append(ctx)
        probe = PageProbe(ctx.new_page())
        probe.goto(app_url + path)
        return probe

    yield _open
    for ctx in contexts:
        ctx.close()


# The scroll position of whatever scrolls the page around the first chart (Streamlit's main area
# or the window): a chart test swipes or wheels over the chart and expects this to grow.
CHART_SCROLL_TOP = """() => {
  // The scroll position of whatever scrolls the page around the chart (Streamlit's main area or the window).
  let n = document.querySelector('.js-plotly-plot');
  while (n && n !== document.body) {
    const s = getComputedStyle(n);
    if ((s.overflowY === 'auto' || s.overflowY === 'scroll') && n.scrollHeight > n.clientHeight) return n.scrollTop;
    n = n.parentElement;
  }
  return window.scrollY;
}"""
