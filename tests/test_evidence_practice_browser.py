"""The evidence explorer and case practice in real headless Chromium."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from logic import cases
from tests.conftest import PHONE, TABLET, PageProbe
from ui.style import MIN_TARGET_PX

pytestmark = pytest.mark.browser


def tap_table_row(probe: PageProbe, row: int = 0) -> None:
    """Tap a row of Table 1 where its selection box is drawn (the grid is a canvas: no element per row)."""
    grid = probe.page.locator("[class*='st-key-evidence_table'] [data-testid='stDataFrameResizable']").first
    grid.wait_for(timeout=30000)
    box = grid.bounding_box()
    row_px = 35  # Streamlit's row and header height
    probe.act(lambda: probe.page.mouse.click(box["x"] + 14, box["y"] + row_px * (row + 1.5)))


def test_tapping_a_table_row_opens_that_study_with_its_registry_number(open_page):
    probe = open_page("/evidence?lang=en", TABLET)
    tap_table_row(probe)
    detail = probe.page.locator("[class*='st-key-evidence_detail_evidence_table']")
    detail.wait_for(timeout=30000)
    text = detail.inner_text()
    assert "Registry number" in text and "NCT" in text
    # the row as printed, quoted, behind one tap on "Consensus text (n)"
    detail.locator("[data-testid='stExpander'] summary", has_text="Consensus text (").first.click()
    expect(detail.get_by_text("Consensus text (Chinese original)", exact=False).first).to_be_visible()
    probe.assert_clean()


def test_tapping_a_chart_point_shows_its_study_and_opens_nothing(open_page):
    probe = open_page("/evidence?lang=en", TABLET)
    probe.act(lambda: probe.page.get_by_role("tab", name="Charts").click())  # lazy tab: a run builds it
    point = probe.page.locator("[data-testid='stPlotlyChart'] .scatterlayer .point").first
    point.wait_for(timeout=30000)
    # Plotly listens on its drag layer above the points: tap where the point is drawn.
    point.click(force=True)
    label = probe.page.locator("[data-testid='stPlotlyChart'] .hoverlayer .hovertext").first
    label.wait_for(timeout=30000)
    assert " · " in label.text_content()   # "<study> · <product>" (an SVG text)
    assert probe.page.locator("[class*='st-key-evidence_detail_']").count() == 0
    probe.assert_clean()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_charts_fit_a_phone(open_page, lang):
    probe = open_page(f"/evidence?lang={lang}", PHONE)
    probe.act(lambda: probe.page.get_by_role("tab", name={"en": "Charts", "zh": "图表"}[lang]).click())
    charts = probe.page.locator("[data-testid='stPlotlyChart'] .main-svg")
    charts.first.wait_for(timeout=30000)
    widths = probe.page.evaluate(
        "() => [...document.querySelectorAll(\"[data-testid='stPlotlyChart']\")].map(e => e.getBoundingClientRect().right)")
    assert len(widths) == 4 and max(widths) <= PHONE["width"]
    probe.assert_clean()


def test_trial_link_opens_the_row_on_a_phone(open_page):
    probe = open_page("/evidence?lang=zh&trial=T1.10", PHONE)
    probe.page.get_by_text("NCT03548207", exact=False).first.wait_for(timeout=30000)
    assert probe.page.get_by_text("未达到", exact=False).count() > 0
    probe.assert_clean()


@pytest.mark.parametrize(("lang", "viewport"), [("zh", TABLET), ("en", PHONE)], ids=["tablet-zh", "phone-en"])
def test_a_shared_case_is_answered_and_graded(open_page, lang, viewport):
    seed = 3  # tocilizumab for 57 kg: 456 mg
    case = cases.generate(seed)
    probe = open_page(f"/practice?case={seed}&lang={lang}", viewport)
    probe.page.get_by_text(f"{case.expected[0]} mg", exact=True).click()
    check = {"en": "Check answer", "zh": "核对答案"}[lang]
    probe.act(lambda: probe.page.get_by_role("button", name=check).click())
    probe.page.get_by_text({"en": "Correct.", "zh": "回答正确。"}[lang], exact=False).first.wait_for(timeout=30000)
    assert probe.page.get_by_text("8 mg/kg × 57 kg = 456 mg", exact=False).count() > 0
    assert f"case={seed}" in probe.page.url
    probe.assert_clean()


def test_new_case_changes_the_link(open_page):
    probe = open_page("/practice?case=0&lang=en", TABLET)
    probe.act(lambda: probe.page.get_by_role("button", name="New case").click())
    probe.page.wait_for_function("() => !location.search.includes('case=0&') && !location.search.endsWith('case=0')",
                                 timeout=30000)
    assert "case=" in probe.page.url
    probe.assert_clean()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_share_link_is_absolute_and_its_copy_button_works_by_touch(browser, app_url, lang):
    # issue 15 item 7: a link that works when pasted into a message, copied with one tap on a phone
    ctx = browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True)
    ctx.grant_permissions(["clipboard-read", "clipboard-write"], origin=app_url)
    try:
        probe = PageProbe(ctx.new_page())
        probe.goto(f"{app_url}/practice?case=48213&lang={lang}")
        box = probe.page.locator(".st-key-share_practice [data-testid='stCode']")
        expect(box).to_contain_text(f"{app_url}/practice?case=48213&lang={lang}")
        button = probe.page.locator(".st-key-share_practice [data-testid='stBaseButton-elementToolbar']")
        expect(button).to_be_visible()  # no hover on a touch screen
        size = button.bounding_box()
        assert size["width"] >= MIN_TARGET_PX and size["height"] >= MIN_TARGET_PX
        button.tap()
        probe.page.wait_for_function("(want) => navigator.clipboard.readText().then(t => t === want)",
                                     arg=f"{app_url}/practice?case=48213&lang={lang}", timeout=30000)
        probe.assert_clean()
    finally:
        ctx.close()

