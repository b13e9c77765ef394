"""A vertical swipe over a chart scrolls the page on a touch phone (issue 15, review U10): the
follow-up timeline and the toxicity episode chart trapped the thumb and zoomed instead. (The
cytopenia chart has its own test in tests/test_cytopenia_browser.py; the evidence charts' labels are
measured in tests/test_evidence_charts_browser.py.)"""

from __future__ import annotations

import pytest

from tests.conftest import CHART_SCROLL_TOP, PHONE, PageProbe

pytestmark = pytest.mark.browser

# Each page with a chart, and a link that makes it draw one.
CHART_PAGES = {
    "followup": ("/followup?lang=zh&infusion=2026-09-15", None),
    "eligibility": ("/eligibility?lang=en&lenalidomide=2026-11-22", "Washout"),
    "toxicity": ("/toxicity?lang=en&infusion=2026-11-25&toci=2026-11-28T08:00_560", "Episode chart"),
    "evidence": ("/evidence?lang=zh&tab=charts", None),
}


# The evidence explorer's charts were selectable (st.plotly_chart(on_select=...)), which makes
# Streamlit's frontend give them dragmode "pan" whatever the figure says, and Plotly then cancels every
# touchstart on the plot area: the page could not scroll. They are not selectable now (pages/evidence.py
# `_chart`); Table 1 opens a study.
@pytest.mark.parametrize("slug", sorted(CHART_PAGES))
def test_a_vertical_swipe_over_the_chart_scrolls_the_page(browser, app_url, slug):
    ctx = browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True)
    try:
        probe = PageProbe(ctx.new_page())
        path, tab = CHART_PAGES[slug]
        probe.goto(app_url + path)
        page = probe.page
        if tab:  # the chart is on its own tab
            page.get_by_role("tab").filter(has_text=tab).first.click()
        chart = page.locator(".js-plotly-plot").first
        chart.wait_for(state="visible", timeout=30000)
        chart.scroll_into_view_if_needed()
        box = chart.bounding_box()
        x, y = box["x"] + box["width"] / 2, min(box["y"] + box["height"] / 2, PHONE["height"] - 20)
        assert chart.evaluate(f"el => el.contains(document.elementFromPoint({x}, {y}))"), "not over the chart"
        before = page.evaluate(CHART_SCROLL_TOP)
        # A finger swipe upwards as a touch screen sends it: touchstart, moves, touchend. (CDP's
        # synthesizeScrollGesture scrolls nothing in headless Chromium, chart or not.)
        cdp = ctx.new_cdp_session(page)
        cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]})
        for step in range(1, 11):
            cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y - 20 * step}]})
        cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
        page.wait_for_function(f"() => ({CHART_SCROLL_TOP})() > {before}", timeout=10000)
        # The chart kept its ranges: no zoom box, no "double-click to zoom back out".
        assert page.get_by_text("Double-click to zoom back out").count() == 0
        probe.assert_clean()
    finally:
        ctx.close()
