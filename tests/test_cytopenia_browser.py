"""/cytopenia in headless Chromium at the tablet (820x1180) and phone (390x844) sizes, in both
languages: the example series is graded, the chart is drawn without overflow, and a wheel over
the chart scrolls the page (the chart takes no drag or zoom)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from logic import hematotox
from logic.strings import text
from tests.conftest import CHART_SCROLL_TOP, PHONE, TABLET

pytestmark = pytest.mark.browser
TIMEOUT = 30000



def _grade_heading(lang: str, phase: str, g: hematotox.ICAHTGrade) -> str:
    grade = text(lang, "cytopenia.grade_at_least" if g.at_least else "cytopenia.grade", grade=g.grade)
    return text(lang, "cytopenia.grade_heading", label=text(lang, f"cytopenia.{phase}_label"), grade=grade)


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("viewport", [pytest.param(TABLET, id="820x1180"), pytest.param(PHONE, id="390x844")])
def test_example_series_is_graded_and_the_chart_scrolls_with_the_page(open_page, lang, viewport):
    probe = open_page(f"/cytopenia?lang={lang}", viewport)
    page = probe.page
    expect(page.get_by_role("heading", name=text(lang, "cytopenia.title"), exact=True)).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_text(text(lang, "cytopenia.beyond"), exact=True).first).to_be_visible()
    probe.act(lambda: page.get_by_role("button", name=text(lang, "cytopenia.example_button"), exact=True).click())

    early, late = hematotox.icaht_both(hematotox.parse_lab_table(hematotox.EXAMPLE_TABLE).anc_values())
    for phase, g in (("early", early), ("late", late)):
        expect(page.get_by_text(_grade_heading(lang, phase, g), exact=True)).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_text(text(lang, "cytopenia.provenance_icaht"), exact=True)).to_be_visible()

    chart = page.locator(".js-plotly-plot").first
    expect(chart).to_be_visible(timeout=TIMEOUT)
    layout = chart.evaluate("el => ({drag: el._fullLayout.dragmode, x: el._fullLayout.xaxis.fixedrange,"
                            " y: el._fullLayout.yaxis.fixedrange, y2: el._fullLayout.yaxis2.fixedrange})")
    assert layout == {"drag": False, "x": True, "y": True, "y2": True}, layout
    box = chart.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"], box

    chart.scroll_into_view_if_needed()
    box = chart.bounding_box()
    x = box["x"] + box["width"] / 2
    y = min(max(box["y"] + box["height"] / 3, 10), viewport["height"] - 10)
    assert chart.evaluate(f"el => el.contains(document.elementFromPoint({x}, {y}))"), "the pointer is not over the chart"
    before = page.evaluate(CHART_SCROLL_TOP)
    page.mouse.move(x, y)
    page.mouse.wheel(0, 400)
    page.wait_for_function(f"() => ({CHART_SCROLL_TOP})() > {before}", timeout=TIMEOUT)
    probe.assert_clean()


@pytest.mark.parametrize("encoding,header", [("utf-8", "day,ANC,PLT"), ("gbk", "天数,中性粒细胞,血小板")])
def test_a_csv_file_fills_the_table_and_is_graded(open_page, encoding, header):
    probe = open_page("/cytopenia?lang=en", TABLET)
    page = probe.page
    body = header + "\n" + "\n".join(f"{d},0.2,30" for d in range(0, 14)) + "\n14,1.9,80\n15,2.0,90\n"
    uploader = page.locator("[data-testid='stFileUploader'] input[type='file']")
    probe.act(lambda: uploader.set_input_files(
        {"name": "counts.csv", "mimeType": "text/csv", "buffer": body.encode(encoding)}))
    box = page.get_by_role("textbox", name=text("en", "cytopenia.table_label"), exact=True)
    expect(box).to_have_value(body, timeout=TIMEOUT)
    expect(page.get_by_text("Early ICAHT (days 0-30): At least grade 3", exact=True)).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_text(text("en", "cytopenia.header_skipped"), exact=True)).to_be_visible()
    probe.assert_clean()
