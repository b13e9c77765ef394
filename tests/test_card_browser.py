"""The night nurse's task on a Chinese phone (issue 15 "Done when"): from the open /toxicity page,
39.2 °C, one vasopressor, 4 L/min nasal cannula and 68 kg take at most 4 taps plus the typed values,
and the grade and the 544 mg dose are both inside the viewport after the last input (a one-line strip
of the result card stays in view on a phone)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from logic.strings import text
from tests.conftest import PHONE, TABLET, PageProbe, card_badge

pytestmark = pytest.mark.browser
MAX_TAPS = 4


class Thumb:
    """Taps as a finger does (touch events), counted: every tap, and of them those that focus a field
    for a typed value (the issue counts "taps plus the typed values"; `taps` counts both)."""

    def __init__(self, probe: PageProbe) -> None:
        self.probe, self.taps, self.typed = probe, 0, 0

    def tap(self, locator) -> None:
        self.taps += 1
        self.probe.act(lambda: locator.tap())

    def tap_and_type(self, locator, value: str) -> None:
        self.taps += 1
        self.typed += 1
        locator.tap()
        self.probe.act(lambda: (locator.press_sequentially(value), locator.press("Enter")))


def _crs_findings(thumb: Thumb, lang: str, temp: str, hypotension: str, hypoxia: str) -> None:
    """The CRS tab as a finger fills it: the temperature typed, one tap for each of the two choices."""
    page = thumb.probe.page
    thumb.tap_and_type(page.locator(".st-key-toxicity_temp_c input"), temp)
    thumb.tap(page.locator(".st-key-toxicity_hypotension label").filter(
        has_text=text(lang, f"toxicity.hypotension_opt.{hypotension}")))
    thumb.tap(page.locator(".st-key-toxicity_hypoxia label").filter(has_text=text(lang, f"toxicity.hypoxia_opt.{hypoxia}")))


def _in_viewport(locator, viewport: dict[str, int] = PHONE) -> bool:
    box = locator.bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"]


def test_night_nurse_reaches_grade_and_dose_in_four_taps_on_a_zh_phone(browser, app_url):
    ctx = browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True, locale="zh-CN")
    try:
        probe = PageProbe(ctx.new_page())
        probe.goto(app_url + "/toxicity?lang=zh")
        page, thumb = probe.page, Thumb(probe)
        _crs_findings(thumb, "zh", "39.2", "one_vasopressor", "low_flow")
        thumb.tap_and_type(page.locator(".st-key-toxicity_weight_kg input"), "68")
        assert thumb.taps <= MAX_TAPS
        card = page.locator("[class*='st-key-toxicity_crs_'][class*='_result_card']")
        expect(card.locator("h3").first).to_have_text("CRS 3级")
        expect(card.locator("strong").filter(has_text="544 mg / 27.2 mL")).to_have_count(1)
        # red only for an alert grade: the badge of grade 3 is red
        assert "severe" in (card.get_attribute("class") or "")
        # the one-line strip a phone keeps in view: grade and dose, inside the viewport after the last input
        strip = page.locator("[class*='st-key-toxicity_crs_'][class*='_result_strip']")
        expect(strip).to_contain_text("CRS 3级")
        expect(strip).to_contain_text("544 mg / 27.2 mL")
        assert _in_viewport(strip), f"the grade and dose are outside the viewport: {strip.bounding_box()}"
        # it covers little of the inputs: at most a sixth of the screen
        assert strip.bounding_box()["height"] <= PHONE["height"] / 6, strip.bounding_box()
        # reading on below (the management, the quotes), the strip stays in view
        page.locator("[data-testid='stMain']").evaluate("(m) => m.scrollBy(0, 1500)")
        assert _in_viewport(strip), f"the strip scrolled away: {strip.bounding_box()}"
        probe.assert_clean()
    finally:
        ctx.close()


@pytest.mark.parametrize(("lang", "device"), [("zh", "phone"), ("en", "phone"), ("zh", "tablet"), ("en", "tablet")])
def test_pharmacist_reaches_bsa_and_both_daily_doses_in_four_taps(browser, app_url, lang, device):
    """/dosing lymphodepletion, CARTITUDE-1, 165 cm, 60 kg: BSA 1.66 m², fludarabine 50 mg/day and
    cyclophosphamide 498 mg/day, all three inside the viewport after the last input (the strip gives
    every daily dose: it gave fludarabine only). On a portrait tablet too: the card stood below the
    fold under its inputs, and the strip was shown on phones only."""
    viewport = PHONE if device == "phone" else TABLET
    ctx = browser.new_context(viewport=viewport, has_touch=True, is_mobile=device == "phone",
                              locale="zh-CN" if lang == "zh" else "en-GB")
    try:
        probe = PageProbe(ctx.new_page())
        probe.goto(f"{app_url}/dosing?lang={lang}")
        page, thumb = probe.page, Thumb(probe)
        thumb.tap(page.locator(".st-key-dosing_section button").filter(
            has_text=text(lang, "dosing.sections.lymphodepletion")))
        # the regimen list has nine entries: typing the name picks it, as on any phone keyboard
        thumb.tap_and_type(page.locator(".st-key-dosing_regimen input"), "CARTITUDE-1")
        thumb.tap_and_type(page.locator(".st-key-dosing_height_cm input"), "165")
        thumb.tap_and_type(page.locator(".st-key-dosing_weight_kg input"), "60")
        assert thumb.taps <= MAX_TAPS
        card = page.locator("[class*='st-key-dosing_ld_'][class*='_result_card']")
        expect(card.locator("h3").first).to_have_text(text(lang, "cards.label.bsa", bsa="1.66"))
        strip = page.locator("[class*='st-key-dosing_ld_'][class*='_result_strip']")
        line = {"zh": "体表面积 1.66 m² · 氟达拉滨 50 mg + 环磷酰胺 498 mg 静脉输注,每日1次,D-5至D-3",
                "en": "BSA 1.66 m² · Fludarabine 50 mg + Cyclophosphamide 498 mg IV, once daily, D-5 to D-3"}[lang]
        expect(strip).to_have_text(line)
        assert _in_viewport(strip, viewport), f"the BSA and doses are outside the viewport: {strip.bounding_box()}"
        assert strip.bounding_box()["height"] <= viewport["height"] / 6, strip.bounding_box()
        probe.assert_clean()
    finally:
        ctx.close()


def test_icans_with_crs_on_a_tablet_in_three_taps_and_two_typed_values(browser, app_url):
    """ICANS with CRS (issue 15 "Done when": at most 4 taps plus the typed values): CRS grade 2 on the
    CRS tab (the temperature typed, two choices), then the ICANS tab and ICE 5 typed;
    the ICANS card states grade 2 (at least: the other domains are not assessed) and Table 5's
    with-CRS column, and is inside the viewport after the last input."""
    ctx = browser.new_context(viewport=TABLET, has_touch=True, locale="en-GB")
    try:
        probe = PageProbe(ctx.new_page())
        probe.goto(app_url + "/toxicity?lang=en")
        page, thumb = probe.page, Thumb(probe)
        _crs_findings(thumb, "en", "39", "no_vasopressor", "none")
        expect(card_badge(page, "crs")).to_have_text("CRS grade 2")
        thumb.tap(page.get_by_role("tab", name=text("en", "toxicity.tabs.icans"), exact=True))
        thumb.tap_and_type(page.locator(".st-key-toxicity_ice_total input"), "5")
        assert thumb.taps - thumb.typed <= 3 and thumb.typed == 2  # 5 touches in all, the focus taps counted
        card = page.locator("[class*='st-key-toxicity_icans_'][class*='_result_card']")
        expect(card.locator("h3").first).to_have_text("ICANS at least grade 2")
        # beside the form (it stood 2.4 screens down, under the ICE items and the four domains): the
        # badge, what set it and the concurrent-CRS context in view after the last input
        badge = card.locator("h3").first
        for said in (badge, card.locator("p").filter(has_text="Set by: ICE 5/10"),
                     card.get_by_text("With concurrent CRS (grade 2): Table 5's with-CRS column.", exact=True)):
            assert _in_viewport(said, TABLET), f"outside the viewport: {said.inner_text()} {said.bounding_box()}"
        # and it stays in view while the domains below are filled in
        page.locator("[data-testid='stMain']").evaluate("(m) => m.scrollBy(0, 900)")
        assert _in_viewport(badge, TABLET), f"the ICANS card scrolled away: {badge.bounding_box()}"
        probe.assert_clean()
    finally:
        ctx.close()
