"""Every registered page in real headless Chromium, at a tablet and a phone viewport."""

from __future__ import annotations

import pytest

from tests.conftest import PHONE, TABLET, PageProbe, serve_app
from ui import nav

pytestmark = pytest.mark.browser
SLUGS = [slug for slug, _ in nav.available()]


@pytest.mark.parametrize("viewport", [TABLET, PHONE], ids=["tablet", "phone"])
@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("slug", SLUGS)
def test_page_opens_clean_by_deep_link(open_page, slug, lang, viewport):
    path = "/" if slug == "home" else f"/{slug}"
    probe = open_page(f"{path}?lang={lang}", viewport)
    probe.page.wait_for_selector("h1", timeout=30000)
    probe.assert_clean()


def test_rec_link_opens_its_recommendation(open_page):
    probe = open_page("/library?rec=ivig_replacement&lang=zh", PHONE)
    probe.page.get_by_text("应用丙种球蛋白替代治疗", exact=False).first.wait_for(timeout=30000)
    probe.assert_clean()


def test_language_switch_keeps_the_page_and_the_url(open_page):
    probe = open_page("/library?lang=en", TABLET)
    probe.act(lambda: probe.page.get_by_text("中文", exact=True).click())
    probe.page.get_by_role("heading", name="共识库").wait_for(timeout=30000)
    assert "lang=zh" in probe.page.url
    probe.assert_clean()


def test_first_visitor_of_a_fresh_server_can_deep_link(browser):
    # Streamlit starts in its legacy pages/ mode; a deep link as the very first request must
    # still run through app.py (language switch present, no legacy menu entry "app").
    server = serve_app()
    url = next(server)
    try:
        ctx = browser.new_context(viewport=PHONE)
        probe = PageProbe(ctx.new_page())
        probe.goto(url + "/library?lang=zh")
        probe.page.get_by_role("heading", name="共识库").wait_for()
        assert probe.page.get_by_text("English", exact=True).count() == 1
        probe.assert_clean()
        ctx.close()
    finally:
        server.close()
