"""On a phone (390x844, touch) every interactive element is at least 44x44 px, the bedside tools
are one tap away in a bar at the top (no drawer), and a Chinese browser opens the app in Chinese
(issue 15, review U6, U9, U15)."""

from __future__ import annotations

import pytest

from tests.conftest import PHONE, PageProbe
from ui import nav
from ui.style import MIN_TARGET_PX

pytestmark = pytest.mark.browser

# Everything a finger can press. A radio or checkbox's own <input> is hidden; its label is the target.
_SMALL_TARGETS = """(min) => {
  const sel = 'a, button, input, textarea, select, summary, [role=button], [role=tab], [role=radio],'
            + '[role=checkbox], [role=switch], [role=slider], label:has(input)';
  const out = [];
  for (const el of document.querySelectorAll(sel)) {
    if (el.closest('[data-testid="stSkipToContent"]')) continue;   // off-screen until focused
    if (el.tagName === 'INPUT' && (el.type === 'radio' || el.type === 'checkbox')) continue;
    const r = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (r.width === 0 || r.height === 0 || style.visibility === 'hidden' || el.closest('[hidden]')) continue;
    if (r.width < min || r.height < min) {
      const owner = el.closest('[data-testid]');
      out.push(`${el.tagName} ${owner ? owner.getAttribute('data-testid') : ''} ${Math.round(r.width)}x${Math.round(r.height)} `
               + `"${(el.innerText || el.getAttribute('aria-label') || '').slice(0, 40)}"`);
    }
  }
  return out;
}"""


def _phone(browser, app_url, path: str, locale: str = "en-US") -> PageProbe:
    ctx = browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True, locale=locale)
    probe = PageProbe(ctx.new_page())
    probe.goto(app_url + path)
    return probe


def _small_targets(probe: PageProbe) -> list[str]:
    return probe.page.evaluate(_SMALL_TARGETS, MIN_TARGET_PX)


@pytest.mark.parametrize("slug", [slug for slug, _ in nav.available()])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_touch_target_is_at_least_44px_on_a_phone(browser, app_url, slug, lang):
    path = "/" if slug == "home" else f"/{slug}"
    probe = _phone(browser, app_url, f"{path}?lang={lang}")
    try:
        small = _small_targets(probe)
        # Every tab's contents too: open each tab and measure what it shows.
        tabs = probe.page.locator("[data-testid='stTab']")
        for i in range(tabs.count()):
            tabs.nth(i).click()
            small += [f"tab {i}: {s}" for s in _small_targets(probe)]
        assert not small, f"{slug} ({lang}): targets under {MIN_TARGET_PX} px: {sorted(set(small))}"
        probe.assert_clean()
    finally:
        probe.page.context.close()


def test_the_bedside_tools_are_one_tap_away_in_a_bar_on_a_phone(browser, app_url):
    probe = _phone(browser, app_url, "/?lang=zh")
    try:
        bar = probe.page.locator(".st-key-nav_bar")
        assert bar.is_visible()
        box = bar.bounding_box()
        assert box["y"] < 200, f"the bar is not at the top of the page (y={box['y']})"
        # Every entry of the bar, "More" included, is on the screen without a sideways scroll.
        more = bar.locator("[data-testid='stPopoverButton']")
        mbox = more.bounding_box()
        assert mbox["x"] + mbox["width"] <= PHONE["width"], f"'More' is off the screen: {mbox}"
        # No drawer: Streamlit's sidebar navigation is not rendered at all.
        assert probe.page.locator("[data-testid='stSidebarNav']").count() == 0
        probe.act(lambda: bar.get_by_text("剂量", exact=True).click())
        assert "/dosing" in probe.page.url and "lang=zh" in probe.page.url
        assert probe.page.get_by_role("heading", level=1).first.inner_text().strip()
        probe.assert_clean()
    finally:
        probe.page.context.close()


@pytest.mark.parametrize(("locale", "lang", "doses"), [("zh-CN", "zh", "剂量"), ("en-GB", "en", "Doses")])
def test_a_bare_link_opens_in_the_browsers_language(browser, app_url, locale, lang, doses):
    probe = _phone(browser, app_url, "/toxicity", locale=locale)
    try:
        probe.page.wait_for_url(f"**lang={lang}**")
        assert probe.page.locator(".st-key-nav_bar").get_by_text(doses, exact=True).is_visible()
    finally:
        probe.page.context.close()
