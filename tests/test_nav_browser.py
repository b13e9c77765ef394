"""The navigation bar on a phone (issue 15 item 2, review U6): every entry, "More" included, is
on the screen (no sideways scroll, nothing cut off at the edge) and at least 48 px tall, in both
languages. The English bar once ran 56 px past a 390 px screen and "More" was cut off."""

from __future__ import annotations

import pytest

from tests.conftest import PHONE, PageProbe
from ui.style import NAV_TARGET_PX

pytestmark = pytest.mark.browser

# Each entry of the bar: the page links and the "More" popover button.
_BAR_ENTRIES = """() => {
  const bar = document.querySelector('.st-key-nav_bar');
  const entries = bar.querySelectorAll('[data-testid="stPageLink-NavLink"], [data-testid="stPopoverButton"]');
  return {scroll: bar.scrollWidth - bar.clientWidth,
          entries: [...entries].map((el) => { const r = el.getBoundingClientRect();
            return {text: el.innerText.replace(/\\s+/g, ' ').trim(), left: r.left, right: r.right, top: r.top, height: r.height,
                    more: el.getAttribute('data-testid') === 'stPopoverButton'}; })};
}"""


# 390 px is the brief's phone; 360 px is the narrowest common Android width.
@pytest.mark.parametrize("width", [PHONE["width"], 360])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_bar_entry_is_on_the_screen_and_48px_tall(browser, app_url, lang, width):
    ctx = browser.new_context(viewport={"width": width, "height": PHONE["height"]}, has_touch=True, is_mobile=True)
    try:
        probe = PageProbe(ctx.new_page())
        probe.goto(f"{app_url}/dosing?lang={lang}")
        probe.page.locator(".st-key-nav_bar [data-testid='stPopoverButton']").wait_for(state="visible")
        bar = probe.page.evaluate(_BAR_ENTRIES)
        entries = bar["entries"]
        assert len(entries) == 6 and entries[-1]["more"], f"five tools and More expected: {entries}"
        assert bar["scroll"] <= 0, f"the bar scrolls sideways by {bar['scroll']} px"
        outside = [e for e in entries if e["left"] < 0 or e["right"] > width]
        assert not outside, f"{lang} at {width} px: entries not fully on the screen: {outside}"
        short = [e for e in entries if e["height"] < NAV_TARGET_PX]
        assert not short, f"{lang} at {width} px: entries under {NAV_TARGET_PX} px tall: {short}"
        # One row on a phone: the thumb finds every tool at the same height.
        rows = {round(e["top"]) for e in entries}
        assert len(rows) == 1, f"{lang} at {width} px: the bar wraps onto {len(rows)} rows: {entries}"
        probe.assert_clean()
    finally:
        ctx.close()
