"""/dosing in headless Chromium: the tocilizumab guard on a phone, and the dose sheet on one A4 page."""

from __future__ import annotations

import re

import pytest

from tests.conftest import PHONE, TABLET

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


def _pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


@pytest.mark.parametrize(("lang", "sheet_tab", "download"), [
    ("en", "Dose sheet", "Download the dose sheet (HTML, prints on one A4 page)"),
    ("zh", "剂量单", "下载剂量单(HTML,A4 单页打印)"),
])
def test_dose_sheet_prints_on_one_a4_page(open_page, browser, lang, sheet_tab, download):
    # A typical patient with everything the page computes: a tocilizumab dose given, every
    # steroid line, a Table 2 regimen with calendar dates and the collection target.
    probe = open_page(f"/dosing?lang={lang}&weight_kg=72&height_cm=170&regimen=CT103A&infusion=2026-03-10",
                      TABLET)
    page = probe.page
    page.get_by_role("button", name=re.compile("Add this dose|添加此次给药")).click()
    probe.wait_idle()
    page.locator("[data-testid=stButtonGroup] button", has_text=sheet_tab).click()
    probe.wait_idle()
    with page.expect_download() as info:
        page.get_by_role("button", name=download).click()
    html = open(info.value.path(), encoding="utf-8").read()  # noqa: SIM115 - the browser's own temp file
    assert "CT103A" in html and "576 mg" in html and "1440 mg" in html and "2026-03-06" in html
    probe.assert_clean()

    printer = browser.new_context().new_page()
    try:
        printer.set_content(html)
        pdf = printer.pdf(format="A4", prefer_css_page_size=True, print_background=True)
    finally:
        printer.context.close()
    assert _pdf_pages(pdf) == 1, f"the dose sheet takes {_pdf_pages(pdf)} A4 pages"
