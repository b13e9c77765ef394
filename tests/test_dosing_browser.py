"""/dosing in headless Chromium: the tocilizumab guard on a phone, and the dose sheet on one A4 page."""

from __future__ import annotations

import html
import re

import pytest

from tests import print_samples
from tests.conftest import PHONE, TABLET, PageProbe
from tests.print_samples import pdf_pages

pytestmark = pytest.mark.browser


def _button(probe, name: str):
    return probe.page.get_by_role("button", name=name, exact=True)


def test_tocilizumab_guard_on_a_phone(open_page):
    probe = open_page("/dosing?lang=en&weight_kg=72&drug=tocilizumab", PHONE)
    page = probe.page
    page.get_by_text("576 mg IV", exact=True).wait_for()
    assert page.get_by_text("Another dose is allowed now.").count() == 1

    _button(probe, "Add this dose").click()  # the patient's dose log: the time field starts at now
    probe.wait_idle()
    page.get_by_text("Not now.").wait_for()
    assert page.get_by_text("Doses given in this course: 1 of at most 4").count() == 1
    assert page.get_by_text(re.compile(r"At least 8 h between doses: not before \d{4}-\d\d-\d\d \d\d:\d\d")).count() == 1
    assert page.get_by_text("Consensus, as printed: no more than 4 in 24 h.").count() == 1
    assert page.get_by_text(re.compile(r"at most 3 in any 24 h")).count() >= 1
    assert page.get_by_text(re.compile(r"The stricter applies")).count() == 1
    probe.assert_clean()

    # The same time again: refused as a duplicate with the reason; the log keeps one dose.
    _button(probe, "Add this dose").click()
    probe.wait_idle()
    page.get_by_text(re.compile(r"is already in the list")).wait_for()
    assert page.get_by_text("Tocilizumab doses given in this course: 1", exact=True).count() == 1
    _button(probe, "Remove").click()
    page.get_by_text("Tocilizumab doses given in this course: 0", exact=True).wait_for()
    probe.wait_idle()
    assert page.get_by_text("Another dose is allowed now.").count() == 1
    probe.assert_clean()


def test_weight_in_grams_refused_on_a_phone_in_chinese(open_page):
    probe = open_page("/dosing?lang=zh&weight_kg=72000", PHONE)
    probe.page.get_by_text(re.compile(r"像是以克为单位")).wait_for()
    assert probe.page.get_by_text("576 mg 静脉滴注").count() == 0
    probe.assert_clean()


# window.print stubbed in every frame: each call is recorded on the top window with the title of
# the document it would print, so the test can wait on the record (no sleeps, no real dialog).
PRINT_STUB = """window.print = function () {
  try { (window.top.__printed = window.top.__printed || []).push(document.title); } catch (e) {}
};"""


def _pdf(browser, html: str) -> bytes:
    printer = browser.new_context().new_page()
    try:
        printer.set_content(html)
        return printer.pdf(format="A4", prefer_css_page_size=True, print_background=True)
    finally:
        printer.context.close()


@pytest.mark.parametrize(("lang", "sheet_tab", "download", "title"), [
    ("en", "Dose sheet", "Download the dose sheet (HTML, A4)", "CAR-T MM dose sheet"),
    ("zh", "剂量单", "下载剂量单(HTML,A4)", "CAR-T 多发性骨髓瘤剂量单"),
])
def test_print_button_prints_the_lymphodepletion_sheet(browser, app_url, lang, sheet_tab, download, title):
    # From the lymphodepletion section to the sheet: LD alone is chosen, Print calls the browser's
    # print on the sheet (not on the app), and the download is the same one-page document.
    ctx = browser.new_context(viewport=TABLET)
    try:
        ctx.add_init_script(PRINT_STUB)
        probe = PageProbe(ctx.new_page())
        probe.goto(f"{app_url}/dosing?lang={lang}&weight_kg=72&height_cm=170&regimen=CT103A&infusion=2026-03-10"
                   "&drug=lymphodepletion")
        page = probe.page
        page.locator("[data-testid=stButtonGroup] button", has_text=sheet_tab).click()
        probe.wait_idle()
        frame = page.frame_locator("iframe[srcdoc*='id=\"print\"']")
        frame.locator("#print").click()
        page.wait_for_function("() => (window.__printed || []).length > 0", timeout=10000)
        assert page.evaluate("() => window.__printed") == [title]
        with page.expect_download() as info:
            page.get_by_role("button", name=download).click()
        html = open(info.value.path(), encoding="utf-8").read()  # noqa: SIM115 - the browser's own temp file
        assert "CT103A" in html and "1440 mg" in html and "2026-03-06" in html
        assert "576 mg" not in html  # tocilizumab was not chosen: the sheet holds LD only
        probe.assert_clean()
    finally:
        ctx.close()
    assert pdf_pages(_pdf(browser, html)) == 1


@pytest.mark.parametrize(("lang", "grade", "dose", "title"), [
    ("en", "CRS grade 3", "Tocilizumab 544 mg / 27.2 mL (20 mg/mL) IV", "CAR-T MM toxicity management sheet"),
    ("zh", "CRS 3级", "托珠单抗 544 mg / 27.2 mL (20 mg/mL) 静脉滴注", "CAR-T 多发性骨髓瘤毒性处理单"),
])
def test_print_button_prints_the_toxicity_plans(browser, app_url, lang, grade, dose, title):
    # The night nurse's CRS (39.2 °C, one vasopressor, 4 L/min, 68 kg) on a phone: Print under the
    # CRS card calls the browser's print on the sheet of the plans on screen, not on the app.
    ctx = browser.new_context(viewport=PHONE)
    try:
        ctx.add_init_script(PRINT_STUB)
        probe = PageProbe(ctx.new_page())
        probe.goto(f"{app_url}/toxicity?lang={lang}&temp_c=39.2&hypotension=one_vasopressor&hypoxia=low_flow"
                   "&weight_kg=68")
        page = probe.page
        button = "iframe[srcdoc*='data-sheet=\"toxicity-{}-sheet\"']"  # ui/print.py names each sheet's button
        page.locator(button.format("crs")).wait_for()
        assert page.locator(button.format("icans")).count() == 0  # ICANS not assessed: no Print under its card
        sheet = page.locator(button.format("crs")).get_attribute("srcdoc")
        frame = page.frame_locator(button.format("crs"))
        frame.locator("#print").click()
        page.wait_for_function("() => (window.__printed || []).length > 0", timeout=10000)
        assert page.evaluate("() => window.__printed") == [title]
        box = frame.locator("#print").bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44, box
        probe.assert_clean()
    finally:
        ctx.close()
    doc = html.unescape(re.search(r' srcdoc="([^"]*)"', sheet).group(1))  # the button frame's sheet, as printed
    assert grade in doc and dose in doc
    assert pdf_pages(_pdf(browser, doc)) == 1


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("came_from", ["crs", "icans"])
def test_toxicity_sheet_with_both_plans_prints_on_one_a4_page(browser, lang, came_from):
    assert pdf_pages(_pdf(browser, print_samples.toxicity_sheet_html(lang, came_from))) == 1


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("selection", list(print_samples.TYPICAL))
def test_typical_dose_sheets_print_on_one_a4_page(browser, lang, selection):
    html = print_samples.dose_sheet_html(lang, print_samples.TYPICAL[selection])
    assert pdf_pages(_pdf(browser, html)) == 1, selection


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_item_at_once_prints_on_at_most_two_numbered_pages(browser, lang):
    assert pdf_pages(_pdf(browser, print_samples.dose_sheet_html(lang))) <= 2
