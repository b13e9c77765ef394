"""The night nurse's task on a Chinese phone (issue 15 "Done when"): from the open /toxicity page,
39.2 °C, one vasopressor, 4 L/min nasal cannula and 68 kg take at most 4 taps plus the typed values,
and the grade and the 544 mg dose are both inside the viewport after the last input (the result
card stays in view on a phone)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from logic.strings import text
from tests.conftest import PHONE, PageProbe

pytestmark = pytest.mark.browser
MAX_TAPS = 4


class Thumb:
    """Taps as a finger does (touch events), counted."""

    def __init__(self, probe: PageProbe) -> None:
        self.probe, self.taps = probe, 0

    def tap(self, locator) -> None:
        self.taps += 1
        self.probe.act(lambda: locator.tap())

    def tap_and_type(self, locator, value: str) -> None:
        self.taps += 1
        locator.tap()
        self.probe.act(lambda: (locator.press_sequentially(value), locator.press("Enter")))


def _in_viewport(locator) -> bool:
    box = locator.bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"]


def test_night_nurse_reaches_grade_and_dose_in_four_taps_on_a_zh_phone(browser, app_url):
    ctx = browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True, locale="zh-CN")
    try:
        probe = PageProbe(ctx.new_page())
        probe.goto(app_url + "/toxicity?lang=zh")
        page, thumb = probe.page, Thumb(probe)
        thumb.tap_and_type(page.locator(".st-key-toxicity_temp_c input"), "39.2")
        thumb.tap(page.locator(".st-key-toxicity_hypotension label").filter(
            has_text=text("zh", "toxicity.hypotension_opt.one_vasopressor")))
        thumb.tap(page.locator(".st-key-toxicity_hypoxia label").filter(
            has_text=text("zh", "toxicity.hypoxia_opt.low_flow")))
        thumb.tap_and_type(page.locator(".st-key-toxicity_weight_kg input"), "68")
        assert thumb.taps <= MAX_TAPS
        card = page.locator("[class*='st-key-toxicity_crs_'][class*='_result_card']")
        badge = card.locator("h3").first
        expect(badge).to_have_text("CRS 3级")
        dose = card.locator("strong").filter(has_text="544 mg / 27.2 mL")
        expect(dose).to_have_count(1)
        assert _in_viewport(badge), f"the grade is outside the viewport: {badge.bounding_box()}"
        assert _in_viewport(dose), f"the 544 mg dose is outside the viewport: {dose.bounding_box()}"
        # red only for an alert grade: the badge of grade 3 is red, and it says so in words too
        assert "severe" in (card.get_attribute("class") or "")
        # reading on below (the management, the quotes), the card stays in view
        page.locator("[data-testid='stMain']").evaluate("(m) => m.scrollBy(0, 1500)")
        assert _in_viewport(badge), f"the card scrolled away: {badge.bounding_box()}"
        probe.assert_clean()
    finally:
        ctx.close()
