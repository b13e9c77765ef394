"""Privacy at run time: a dedicated server, real browser sessions typing patient-like data
into every page, and afterwards

- no file written in the project tree, the server's HOME or its temp directory;
- nothing the user typed in the server's output (no logging of patient data);
- no request from the browser to anything but 127.0.0.1;
- markup typed by a user shown as text, never run (no element, no script).

The static side (no open()/print/logging in pages, no user text into raw HTML, usage
statistics off, XSRF on) is in test_privacy.py and test_config.py.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT, TABLET, AppServer, PageProbe
from ui import nav

pytestmark = pytest.mark.browser

MARKER = "ZQXPATIENT"  # what a user types: a made-up patient identifier
XSS = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'
# Interpreter bytecode caches and our own test tooling are not the app writing files.
IGNORED_PARTS = {".git", ".venv", "__pycache__", ".pytest_cache", ".ruff_cache", ".hypothesis",
                 "cart_mm_assistant.egg-info"}


def _snapshot(root: Path) -> dict[str, tuple[int, int]]:
    out = {}
    for p in root.rglob("*"):
        rel = p.relative_to(root)
        if IGNORED_PARTS.intersection(rel.parts) or not p.is_file():
            continue
        st = p.stat()
        out[str(rel)] = (st.st_size, st.st_mtime_ns)
    return out


@pytest.fixture(scope="module")
def private_server(tmp_path_factory) -> Iterator[dict]:
    """The app with its own empty HOME and TMPDIR; its output is kept to be read after."""
    home = tmp_path_factory.mktemp("home")
    tmp = tmp_path_factory.mktemp("tmp")
    env = {**os.environ, "HOME": str(home), "TMPDIR": str(tmp), "XDG_CACHE_HOME": str(home / ".cache"),
           "XDG_CONFIG_HOME": str(home / ".config")}
    before = {"tree": _snapshot(ROOT), "home": _snapshot(home), "tmp": _snapshot(tmp)}
    server = AppServer(env=env)
    try:
        yield {"url": server.start(), "home": home, "tmp": tmp, "before": before, "server": server}
    finally:
        server.stop()


def _type_everywhere(probe: PageProbe) -> None:
    """Type the marker (and markup) into every text field and the chat of the page."""
    page = probe.page
    main = page.locator("[data-testid='stMainBlockContainer']")
    chat = page.locator("[data-testid='stChatInputTextArea']")
    if chat.count():
        probe.act(lambda: (chat.fill(f"托珠单抗 72kg {MARKER} {XSS}"), chat.press("Enter")))
    boxes = main.locator("[data-testid='stTextInput'] input >> visible=true, "
                         "[data-testid='stTextArea'] textarea >> visible=true")
    for i in range(boxes.count()):
        box = boxes.nth(i)
        if box.is_disabled():
            continue
        probe.act(lambda box=box: (box.fill(f"{MARKER} {XSS}"), box.press("Tab")))
    numbers = main.locator("[data-testid='stNumberInput'] input >> visible=true")
    for i in range(min(numbers.count(), 3)):
        box = numbers.nth(i)
        probe.act(lambda box=box: (box.fill("71.3"), box.press("Enter")))


def test_sessions_leave_no_file_no_log_and_no_request_outside(private_server, browser):
    url = private_server["url"]
    ctx = browser.new_context(viewport=TABLET)
    probes = []
    try:
        for slug, _ in nav.available():
            probe = PageProbe(ctx.new_page())
            probes.append(probe)
            probe.goto(f"{url}/{'' if slug == 'home' else slug}?lang=en")
            _type_everywhere(probe)
            # Markup typed by a user is shown as text and never becomes an element or runs.
            assert probe.page.evaluate("() => window.__xss") is None, f"{slug}: typed markup ran"
            assert probe.page.locator("[data-testid='stMainBlockContainer'] img[src='x']").count() == 0, slug
            assert probe.page.locator("[data-testid='stMainBlockContainer'] script").count() == 0, slug
            probe.assert_clean()
        # The chat shows the typed markup back as text.
        home = probes[0]
        assert home.page.get_by_text("window.__xss=1", exact=False).count() > 0
    finally:
        ctx.close()

    server = private_server["server"]
    server.stop()  # the drain thread has the whole output once the process has ended
    before = private_server["before"]
    after_tree = _snapshot(ROOT)
    written = sorted(k for k in after_tree if before["tree"].get(k) != after_tree[k])
    assert not written, f"files written in the project tree at run time: {written[:10]}"
    assert _snapshot(private_server["home"]) == before["home"], "the server wrote into its HOME"
    assert _snapshot(private_server["tmp"]) == before["tmp"], "the server wrote into its temp directory"
    output = server.text()
    assert MARKER not in output, "what a user typed reached the server's output"
    assert "Traceback" not in output, output[-2000:]
