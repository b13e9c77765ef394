"""The evidence explorer's charts at a phone's and a tablet's width (issue 15 item 5, review
"evidence bubble labels overlap"): no two texts of a chart (names, values, ticks, axis titles,
legend) overlap, no name sits on a bubble, and the charts keep their fixed ranges with no drag
and no scroll zoom."""

from __future__ import annotations

import pytest

from tests.conftest import PHONE, TABLET, PageProbe

pytestmark = pytest.mark.browser

CHARTS = 4  # ORR vs CRS, sCR/CR, CRS and neurotoxicity, PFS (tests/test_evidence_page.py)

# Every text Plotly drew in each chart (hover labels aside), every bubble, and the chart's settings.
_MEASURE = """async () => {
  await document.fonts.ready;
  const box = (el) => { const r = el.getBoundingClientRect();
    return {l: r.left, r: r.right, t: r.top, b: r.bottom}; };
  return [...document.querySelectorAll('[data-testid="stPlotlyChart"] .js-plotly-plot')].map((plot) => ({
    texts: [...plot.querySelectorAll('svg.main-svg text')]
      .filter((t) => !t.closest('.hoverlayer') && t.textContent.trim())
      .map((t) => ({s: t.textContent.trim(), ...box(t)})).filter((b) => b.r > b.l && b.b > b.t),
    names: [...plot.querySelectorAll('.scatterlayer .textpoint text')].filter((t) => t.textContent.trim())
      .map((t) => ({s: t.textContent.trim(), ...box(t)})),
    bubbles: [...plot.querySelectorAll('.scatterlayer .points .point')].map(box),
    dragmode: plot.layout.dragmode,
    fixed: [plot._fullLayout.xaxis.fixedrange, plot._fullLayout.yaxis.fixedrange],
    scrollZoom: plot._context.scrollZoom,
    doubleClick: plot._context.doubleClick,
  }));
}"""


def _overlap(a: dict, b: dict, tolerance: float = 0.5) -> bool:
    return a["l"] < b["r"] - tolerance and b["l"] < a["r"] - tolerance and a["t"] < b["b"] - tolerance \
        and b["t"] < a["b"] - tolerance


@pytest.mark.parametrize("viewport", [PHONE, TABLET], ids=["phone", "tablet"])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_no_two_chart_labels_overlap(browser, app_url, lang, viewport):
    phone = viewport is PHONE
    ctx = browser.new_context(viewport=viewport, has_touch=phone, is_mobile=phone)
    try:
        probe = PageProbe(ctx.new_page())
        probe.goto(f"{app_url}/evidence?lang={lang}&tab=charts")
        probe.page.wait_for_function(
            f"() => document.querySelectorAll('[data-testid=\"stPlotlyChart\"] .js-plotly-plot .main-svg').length >= {CHARTS}",
            timeout=30000)
        charts = probe.page.evaluate(_MEASURE)
        assert len(charts) == CHARTS
        for i, chart in enumerate(charts):
            texts = chart["texts"]
            clashes = [(a["s"], b["s"]) for n, a in enumerate(texts) for b in texts[n + 1:] if _overlap(a, b)]
            assert not clashes, f"chart {i} ({lang}, {viewport['width']} px): texts overlap: {clashes}"
            on_bubbles = [n["s"] for n in chart["names"] if any(_overlap(n, b) for b in chart["bubbles"])]
            assert not on_bubbles, f"chart {i} ({lang}, {viewport['width']} px): names on a bubble: {on_bubbles}"
            # Streamlit replaces a selectable chart's dragmode False by "pan", which fixed ranges make a
            # no-op (tests/test_charts_browser.py swipes over this chart and the page scrolls).
            assert chart["dragmode"] in (False, "pan"), chart["dragmode"]
            assert chart["fixed"] == [True, True] and chart["scrollZoom"] is False and chart["doubleClick"] is False
        # The bubble chart names most of its studies; the rest are named on tap.
        assert len(charts[0]["names"]) >= 8, charts[0]["names"]
        probe.assert_clean()
    finally:
        ctx.close()
