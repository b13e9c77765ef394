"""The app under /cart-mm/ behind Debian's nginx (deploy/proxy.py, the config in deploy/nginx/):
two replicas with sticky sessions; every page at the tablet and phone viewports, the links
that must keep the path (navigation, ?rec=, the assistant's "open in the tool", the practice
share link), a download, and an access log that never holds a query string."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from deploy.proxy import BASE, NGINX, Nginx, Replica, free_port, site_conf
from tests.conftest import PHONE, SKIP_BROWSER, TABLET, PageProbe
from tests.test_assistant_browser import ask_in_browser
from ui import nav

pytestmark = pytest.mark.browser
TIMEOUT = 30000


def test_the_shipped_site_config_is_the_rendered_one():
    shipped = (Path(__file__).resolve().parent.parent / "deploy" / "nginx" / "cart-mm.conf").read_text()
    assert shipped == site_conf([8501, 8502, 8503], "80")


@pytest.fixture(scope="module")
def proxied(tmp_path_factory):
    if not Path(NGINX).exists():
        # The same rule as the browser fixture: missing is a failure unless skipping is asked for.
        if SKIP_BROWSER:
            pytest.skip(f"{NGINX} is missing and CART_SKIP_BROWSER_TESTS is set")
        pytest.fail(f"{NGINX} is missing (apt-get install nginx; scripts/dev.py test installs it when root), "
                    "or set CART_SKIP_BROWSER_TESTS=1 to skip the browser tests on purpose")
    replicas = [Replica(free_port()) for _ in range(2)]
    proxy = None
    try:
        for r in replicas:
            r.start()
        proxy = Nginx(tmp_path_factory.mktemp("nginx"), [r.port for r in replicas], free_port())
        proxy.start()
        yield proxy
    finally:
        if proxy is not None:
            proxy.stop()
        for r in replicas:
            r.stop()


@pytest.fixture
def open_proxied(browser, proxied):
    contexts = []

    def _open(path: str, viewport: dict = TABLET) -> PageProbe:
        ctx = browser.new_context(viewport=viewport)
        contexts.append(ctx)
        probe = PageProbe(ctx.new_page())
        probe.goto(proxied.url + path)
        return probe

    yield _open
    for ctx in contexts:
        ctx.close()


def _links_outside_the_path(probe: PageProbe) -> list[str]:
    hrefs = probe.page.evaluate("() => [...document.querySelectorAll('a[href]')].map(a => a.href)")
    here = urlsplit(probe.page.url).netloc
    return [h for h in hrefs
            if urlsplit(h).netloc == here and not urlsplit(h).path.startswith(f"/{BASE}/")]


@pytest.mark.parametrize("viewport", [TABLET, PHONE], ids=["tablet", "phone"])
def test_every_page_under_the_path(open_proxied, viewport):
    for slug, _ in nav.available():
        path = "/?lang=en" if slug == "home" else f"/{slug}?lang=en"
        probe = open_proxied(path, viewport)
        assert urlsplit(probe.page.url).path.startswith(f"/{BASE}/"), probe.page.url
        probe.assert_clean()
        assert not _links_outside_the_path(probe), f"{slug}: links leave /{BASE}/"
        probe.page.context.close()


def test_navigation_keeps_the_path(open_proxied):
    probe = open_proxied("/?lang=en")
    # st.page_link writes a relative href ("dosing?lang=en"): the browser resolves it under the path.
    link = probe.page.locator("[data-testid='stMainBlockContainer'] [data-testid='stPageLink-NavLink'][href^='dosing']").first
    assert urlsplit(link.evaluate("a => a.href")).path == f"/{BASE}/dosing"
    probe.act(link.click)
    assert urlsplit(probe.page.url).path == f"/{BASE}/dosing", probe.page.url
    expect(probe.page.get_by_role("heading", name="Drug doses", exact=True).first).to_be_visible(timeout=TIMEOUT)
    probe.assert_clean()


def test_assistant_tool_link_keeps_the_path(open_proxied):
    probe = open_proxied("/?lang=en")
    ask_in_browser(probe, "tocilizumab 70 kg")
    link = probe.page.get_by_role("link", name=re.compile("Open Drug doses with these values"))
    href = urlsplit(link.first.evaluate("a => a.href"))
    assert href.path == f"/{BASE}/dosing" and "weight_kg=70" in href.query, href
    probe.act(link.first.click)
    assert urlsplit(probe.page.url).path == f"/{BASE}/dosing", probe.page.url
    expect(probe.page.get_by_text("560 mg", exact=False).first).to_be_visible(timeout=TIMEOUT)
    probe.assert_clean()


def test_rec_links_keep_the_path(open_proxied):
    """A quote card's link to /library?rec=<id> (it opens a new tab) lands under the path, on that
    recommendation."""
    probe = open_proxied("/dosing?lang=en&weight_kg=72", PHONE)
    links = probe.page.locator(f"a[href^='/{BASE}/library?rec=']")
    link = links.first
    if not link.is_visible():  # behind a collapsed "Consensus text (n)": one tap opens it
        probe.page.locator("[data-testid='stExpander']").filter(has=links).first.locator("summary").first.click()
    link.scroll_into_view_if_needed()
    with probe.page.context.expect_page() as opened:
        link.click()
    library = PageProbe(opened.value)
    library.wait_idle()
    assert urlsplit(library.page.url).path == f"/{BASE}/library" and "rec=" in library.page.url
    expect(library.page.get_by_role("heading", name="Linked recommendation", exact=True)).to_be_visible(
        timeout=TIMEOUT)
    library.assert_clean()
    probe.assert_clean()


def test_practice_share_link_keeps_the_path(open_proxied, proxied):
    probe = open_proxied("/practice?case=3&lang=en")
    # the link to share is absolute, as the browser reaches the app through the proxy, base path kept
    expect(probe.page.locator(".st-key-share_practice [data-testid='stCode']")).to_contain_text(
        f"{proxied.url}/practice?case=3&lang=en", timeout=TIMEOUT)
    probe.assert_clean()


def test_download_comes_from_the_sessions_replica_and_the_log_has_no_query(open_proxied, proxied):
    log_before = proxied.access_log.read_text() if proxied.access_log.exists() else ""
    probe = open_proxied("/dosing?lang=en&weight_kg=72&height_cm=170&regimen=CT103A&infusion=2026-03-10&drug=lymphodepletion")
    page = probe.page
    page.locator("[data-testid=stButtonGroup] button", has_text="Dose sheet").click()
    probe.wait_idle()
    with page.expect_download() as info:
        page.get_by_role("button", name="Download the dose sheet (HTML, A4)").click()
    html = Path(info.value.path()).read_text(encoding="utf-8")
    assert "1440 mg" in html and "CT103A" in html  # the sheet starts with the lymphodepletion items
    probe.assert_clean()

    lines = proxied.access_log.read_text()[len(log_before):].splitlines()
    assert any("/media/" in line for line in lines), lines[-5:]
    # A websocket is logged when it closes, so an earlier test's may land here: requests only.
    upstreams = {m.group(1) for line in lines
                 if "/_stcore/stream" not in line and (m := re.search(r"upstream=([\d.:]+)/", line))}
    assert len(upstreams) == 1, f"one browser reached several replicas: {upstreams}"
    whole = proxied.access_log.read_text()
    assert "?" not in whole and "weight_kg" not in whole and "CT103A" not in whole and "2026-03-10" not in whole
