"""/toxicity in headless Chromium: a nurse fills the CRS form on a tablet and sees the grade
and its quote; a Fahrenheit temperature on a phone is refused without losing the form."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import PHONE, TABLET, card_badge

pytestmark = pytest.mark.browser


def test_crs_form_on_a_tablet_shows_the_grade_and_its_quote(open_page):
    probe = open_page("/toxicity?lang=en", TABLET)
    page = probe.page
    temp = page.get_by_role("spinbutton", name="Highest temperature (°C)")
    temp.fill("39.4")
    temp.press("Enter")
    probe.wait_idle()
    page.get_by_text("Needs one vasopressor (with or without vasopressin)", exact=True).click()
    probe.wait_idle()
    page.get_by_text("Low flow: nasal cannula ≤6 L/min or blow-by", exact=True).click()
    expect(card_badge(page, "crs")).to_have_text("CRS grade 3", timeout=30000)
    probe.wait_idle()
    # set by the hypotension (one vasopressor, grade 3), not the low-flow oxygen (grade 2)
    set_by = page.locator("[class*='st-key-toxicity_crs_'][class*='_result_card'] p").filter(has_text="Set by")
    expect(set_by).to_have_text("Set by: fever 39.4 °C · hypotension needing one vasopressor")
    expect(set_by).to_be_visible()
    # The grade's quote waits behind "Consensus text (n)" under the result: one tap opens it.
    page.locator('[data-testid="stExpander"] summary', has_text="Consensus text").first.click()
    expect(page.get_by_text("发热伴低血压(需要一种或不需应用升压药)", exact=False).first).to_be_visible()
    expect(page.get_by_text("Now: CRS grade 3", exact=False)).to_be_visible()
    probe.assert_clean()


def test_fahrenheit_on_a_phone_is_refused_and_the_form_is_kept(open_page):
    probe = open_page("/toxicity?lang=zh&hypotension=no_vasopressor", PHONE)
    page = probe.page
    temp = page.get_by_role("spinbutton", name="最高体温(°C)")
    temp.fill("101.3")
    temp.press("Enter")
    expect(page.get_by_text("101.3像是华氏度(= 38.5 °C)", exact=False)).to_be_visible(timeout=30000)
    probe.wait_idle()
    expect(page.get_by_role("radio", name="低血压,不需升压药")).to_be_checked()
    expect(temp).to_have_value("101.3")
    probe.assert_clean()
