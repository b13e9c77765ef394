"""Every numeric input of every page, walked in headless Chromium at the tablet viewport.

A number field sets no bounds of its own (issue 12): a widget that refuses a value itself keeps
the previous one, so a result computed from it stays beside a field that reads otherwise. So for
each number field the page shows (in its default state, or after the step a user takes to reveal
it), after a valid value:
  (a) a value below logic's lower limit and (b) one above its upper limit reach the app: the
      page's own message (logic's reason) appears right under the field, what was typed stays in
      the field, and no result computed from the earlier value is still visible;
  (c) letters: the number field refuses them at the keyboard;
then the valid value again brings the result back and the message goes. After each, no exception
box, and the value the user entered in another field beforehand is still there. A number field
with bounds of its own fails.

Text inputs that take numbers (the practice case number, the chat on the home page) get the
same three kinds of value, with their limits taken from logic.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from playwright.sync_api import expect

from logic import cases, crs, dosing, episode, followup, hematotox
from logic import eligibility as elig
from logic.strings import text
from tests.conftest import TABLET, PageProbe, card_badge
from ui import nav

pytestmark = pytest.mark.browser
TIMEOUT = 30000
JS_MAX_SAFE_INTEGER = 2**53 - 1  # Streamlit's stand-in bound when a page sets none
NUMBER_INPUTS = "[data-testid='stMain'] [data-testid='stNumberInput'] input"
TEXT_INPUTS = "[data-testid='stTextInput'] input, [data-testid='stTextArea'] textarea"


@dataclass(frozen=True)
class Beyond:
    """A value just outside logic's limit and a piece of the page's message for it."""

    value: float
    message: str


@dataclass(frozen=True)
class NumberField:
    label: str
    below: Beyond | None = None  # None: logic sets no lower limit to test
    above: Beyond | None = None
    walked: bool = False  # already walked in an earlier state of the page: only listed
    stale: tuple[str, ...] = ()  # what the page shows computed from the field's valid value


@dataclass
class Kept:
    """The user's other entries, checked after every refused value."""

    checks: dict[str, Callable[[], None]] = field(default_factory=dict)

    def verify(self, skip: str | None = None) -> None:
        for name, check in self.checks.items():
            if name != skip:
                check()


def fmt(x: float) -> str:
    return f"{x:.10g}"


def number_field(page, label: str):
    # Hidden ones too: a field in another tab still holds the user's value (the first of that name).
    return page.get_by_role("spinbutton", name=label, exact=True, include_hidden=True).first


def visible_number(page, label: str):
    """The field of that name on screen (the weight is on both the CRS and the ICANS tab)."""
    return page.locator(f"{NUMBER_INPUTS}[aria-label='{label}']:visible")


def keep_number(page, kept: Kept, label: str, shown: str) -> None:
    kept.checks[label] = lambda: expect(number_field(page, label)).to_have_value(shown)


def enter_number(probe: PageProbe, label: str, value: str) -> None:
    """Type and press Enter, then wait for that run (for a value that changes what the page shows)."""
    box = visible_number(probe.page, label)
    probe.act(lambda: (box.fill(value), box.press("Enter")))


def enter_and_keep(probe: PageProbe, kept: Kept, label: str, value: str, shown: str) -> None:
    """Enter a value and add it to what must still be there after every refused value."""
    enter_number(probe, label, value)
    keep_number(probe.page, kept, label, shown)


def type_number(page, label: str, value: str) -> None:
    """Type and press Enter where the page shows nothing new for it yet: the next waited-for step
    sends it along with everything else."""
    box = visible_number(page, label)
    box.fill(value)
    box.press("Enter")


def visible_labels(page, selector: str) -> list[str]:
    return [e.get_attribute("aria-label") for e in page.locator(selector).all() if e.is_visible()]


_BESIDE = """(anchor, message) => {
  // Where the message is among the elements after the field, in reading order: 1 = right under it.
  const own = anchor.closest("[data-testid='stElementContainer']");
  const after = [...document.querySelectorAll("[data-testid='stMain'] [data-testid='stElementContainer']")]
    .filter(e => e !== own && (anchor.compareDocumentPosition(e) & Node.DOCUMENT_POSITION_FOLLOWING));
  for (let i = 0; i < Math.min(4, after.length); i++) {
    if (after[i].querySelector("[data-testid='stAlert']") && after[i].innerText.includes(message)) return i + 1;
  }
  return 0;
}"""


def assert_message_beside(page, anchor, message: str) -> None:
    alert = page.locator("[data-testid='stAlert']", has_text=message).filter(visible=True)  # a copy may sit in a hidden tab
    expect(alert.first).to_be_visible(timeout=TIMEOUT)
    distance = anchor.evaluate(_BESIDE, message)
    assert distance, f"the message {message!r} is not beside its field"


def shown_text(page, needle: str):
    return page.locator("[data-testid='stMain']").get_by_text(needle).filter(visible=True)


def walk_number_field(probe: PageProbe, spec: NumberField, kept: Kept) -> None:
    page = probe.page
    box = visible_number(page, spec.label)
    for attr in ("min", "max"):  # none, or Streamlit's stand-in for none
        bound = box.get_attribute(attr)
        assert bound is None or abs(float(bound)) >= JS_MAX_SAFE_INTEGER, (
            f"{spec.label}: the widget sets a {attr} of {bound}: it would refuse a value itself and keep the old one")
    before = box.input_value()
    for needle in spec.stale:
        expect(shown_text(page, needle).first).to_be_visible(timeout=TIMEOUT)

    # (a), (b): beyond logic's limits. The value reaches the app and is named under the field.
    for beyond in (spec.below, spec.above):
        if beyond is None:
            continue
        enter_number(probe, spec.label, fmt(beyond.value))
        assert float(box.input_value()) == pytest.approx(beyond.value), "what was typed is kept"
        assert_message_beside(page, box, beyond.message)
        expect(box).not_to_have_attribute("aria-invalid", "true")  # no widget refusal ("Press Enter to apply")
        for needle in spec.stale:  # nothing computed from the earlier value stays on screen
            expect(shown_text(page, needle)).to_have_count(0)
        probe.assert_no_exception()
        kept.verify(skip=spec.label)
        enter_number(probe, spec.label, before)
        expect(page.locator("[data-testid='stAlert']", has_text=beyond.message).filter(visible=True)).to_have_count(0)
        for needle in spec.stale:
            expect(shown_text(page, needle).first).to_be_visible(timeout=TIMEOUT)

    # (c): letters are refused at the keyboard: the field keeps what it had.
    widget = page.locator("[data-testid='stNumberInput']").filter(has=box)
    box.click()
    box.press("End")
    box.press_sequentially("abc")
    expect(box).to_have_value(before)
    box.press("Tab")
    expect(widget.get_by_role("alert")).to_have_count(0)
    expect(box).to_have_value(before)
    probe.assert_no_exception()
    kept.verify()


# Weight in kg: logic.dosing refuses what is not an adult weight in kg, each with its reason.
def weight_field(*stale: str | re.Pattern) -> NumberField:
    return NumberField("Weight (kg)", Beyond(-70, "Weight must be above 0 kg (you entered -70)."),
                       Beyond(dosing.WEIGHT_MAX_KG + 100, f"is above {dosing.WEIGHT_MAX_KG:g} kg"), stale=stale)


def grade(value: str) -> re.Pattern:
    return re.compile(rf"^{re.escape(value)}$")


def walk_visible(probe: PageProbe, specs: list[NumberField], kept: Kept) -> None:
    """Walk the number fields now on screen; they must be exactly the ones listed."""
    for spec in specs:  # the state that shows them may still be on its way
        expect(probe.page.get_by_role("spinbutton", name=spec.label, exact=True)).to_be_visible(timeout=TIMEOUT)
    probe.wait_idle()
    shown = visible_labels(probe.page, NUMBER_INPUTS)
    assert sorted(shown) == sorted(s.label for s in specs), f"number fields on screen: {shown}"
    for spec in specs:
        if not spec.walked:
            walk_number_field(probe, spec, kept)


def click_tab(page, name: str) -> None:
    page.get_by_role("tab", name=name, exact=True).click()
    expect(page.get_by_role("tab", name=name, exact=True)).to_have_attribute("aria-selected", "true")


# --- the pages -------------------------------------------------------------------------------


def walk_toxicity(probe: PageProbe) -> None:
    page = probe.page
    kept = Kept()
    enter_and_keep(probe, kept, "Highest temperature (°C)", "39.4", "39.4")
    for choice in (text("en", "toxicity.hypotension_opt.one_vasopressor"), text("en", "toxicity.hypoxia_opt.low_flow")):
        probe.act(lambda choice=choice: page.get_by_text(choice, exact=True).click())
        kept.checks[choice] = lambda choice=choice: expect(
            page.get_by_role("radio", name=choice, include_hidden=True)).to_be_checked()
    enter_and_keep(probe, kept, "Weight (kg)", "72", "72.0")
    expect(card_badge(page, "crs")).to_have_text("CRS grade 3", timeout=TIMEOUT)

    # The CRS tab: temperature (30-45 °C in logic; -5 was the review's case: grade 3 stayed) and
    # weight (-70 after 72: "576 mg" stayed beside it).
    walk_visible(probe, [
        NumberField("Highest temperature (°C)", Beyond(-5, "-5 °C is outside 30-45 °C"),
                    Beyond(crs.TEMP_MAX_C + 0.1, f"{crs.TEMP_MAX_C + 0.1:g} °C is outside 30-45 °C"),
                    stale=(grade("CRS grade 3"), "576 mg")),
        weight_field("576 mg"),
    ], kept)
    expect(card_badge(page, "crs")).to_have_text("CRS grade 3")

    click_tab(page, "ICANS")  # ICE 0-10, a whole number; the weight again, for methylprednisolone
    enter_and_keep(probe, kept, text("en", "toxicity.icans.ice_total_label"), "5", "5")
    walk_visible(probe, [
        NumberField(text("en", "toxicity.icans.ice_total_label"), Beyond(-1, "ICE score -1 is not possible"),
                    Beyond(11, "ICE score 11 is not possible"), stale=(grade("ICANS at least grade 2"),)),
        weight_field("72 mg IV q12h"),
    ], kept)

    click_tab(page, "Episode chart")  # the dose field appears once the infusion date is given
    group = page.get_by_role("group", name=text("en", "toxicity.chart.infusion_label"), exact=True)

    def infusion_date() -> None:
        group.get_by_role("spinbutton").first.click()
        page.keyboard.type("20260301")
        page.keyboard.press("Escape")

    probe.act(infusion_date)
    top = episode.max_recorded_dose_mg("tocilizumab")
    walk_visible(probe, [NumberField(text("en", "toxicity.chart.dose_mg_label"),
                                     Beyond(0, "0 mg Tocilizumab is not a recordable dose"),
                                     Beyond(top + 1, f"{top + 1:g} mg Tocilizumab is not a recordable dose"))], kept)

    click_tab(page, "Infection & counts")
    enter_and_keep(probe, kept, "Serum IgG (g/L)", "5", "5.0")
    walk_visible(probe, [NumberField(
        "Serum IgG (g/L)",
        Beyond(followup.IGG_MIN_G_L - 0.1, f"IgG {followup.IGG_MIN_G_L - 0.1:g} g/L is refused"),
        Beyond(followup.IGG_MAX_G_L + 0.1, f"IgG {followup.IGG_MAX_G_L + 0.1:g} g/L is refused"),
        stale=("Depends on infection",))], kept)


def walk_dosing(probe: PageProbe) -> None:
    page = probe.page
    kept = Kept()
    type_number(page, "Height (cm)", "170")
    keep_number(page, kept, "Height (cm)", "170.0")
    enter_and_keep(probe, kept, "Weight (kg)", "72", "72.0")
    expect(page.get_by_text("576 mg IV", exact=True)).to_be_visible(timeout=TIMEOUT)
    top = episode.max_recorded_dose_mg("tocilizumab")
    walk_visible(probe, [
        weight_field(grade("576 mg IV")),
        NumberField("Height (cm)", Beyond(-1, "Height must be above 0 cm (you entered -1)."),
                    Beyond(dosing.HEIGHT_MAX_CM + 0.5, f"is above {dosing.HEIGHT_MAX_CM:g} cm")),
        NumberField(text("en", "patient.toci.mg_label"), Beyond(0, "0 mg is not a recordable tocilizumab dose"),
                    Beyond(top + 1, f"{top + 1:g} mg is not a recordable tocilizumab dose")),
    ], kept)
    expect(page.get_by_text("576 mg IV", exact=True)).to_be_visible()

    # The renal box of the lymphodepletion section: age and creatinine (with sex and unit).
    probe.act(lambda: page.get_by_role("radio", name="Lymphodepletion", exact=True).click())
    probe.act(lambda: page.get_by_role("radio", name=text("en", "dosing.value.male"), exact=True).click())
    # the unit's run is waited for before the age is typed: typed while that run was in flight, "60"
    # once reached the script as 0 (CI, 2026-12-04; noted for a look at the app's side)
    probe.act(lambda: page.get_by_role("radio", name="µmol/L", exact=True).click())
    type_number(page, "Age (years)", "60")
    keep_number(page, kept, "Age (years)", "60")
    enter_number(probe, "Serum creatinine", "80")  # now the clearance can be computed
    keep_number(page, kept, "Serum creatinine", "80.00")
    crcl = re.compile(r"Creatinine clearance \(Cockcroft-Gault\): \d+ mL/min")
    expect(page.get_by_text(crcl)).to_be_visible()
    lo_umol, hi_umol = dosing.CREATININE_RANGE["umol/L"]
    below_both = dosing.CREATININE_RANGE["mg/dL"][0] / 2  # too low in µmol/L, and not a mg/dL value either
    walk_visible(probe, [
        NumberField("Age (years)",
                    Beyond(dosing.AGE_MIN - 1, f"Age {dosing.AGE_MIN - 1} is outside {dosing.AGE_MIN}-{dosing.AGE_MAX}"),
                    Beyond(dosing.AGE_MAX + 1, f"Age {dosing.AGE_MAX + 1} is outside {dosing.AGE_MIN}-{dosing.AGE_MAX}"),
                    stale=(crcl,)),
        NumberField("Serum creatinine",
                    Beyond(below_both, f"is outside {lo_umol:g}-{hi_umol:g}"),
                    Beyond(hi_umol + 1, f"is outside {lo_umol:g}-{hi_umol:g}"), stale=(crcl,)),
        NumberField("Weight (kg)", walked=True),
        NumberField("Height (cm)", walked=True),
    ], kept)


def _eligibility_fields(model: type, fields: dict[str, tuple[str, float]], stale: dict | None = None,
                        **other) -> list[NumberField]:
    """Logic's limits from the model's own field constraints (and, for bilirubin, its plausibility
    limit in the default unit); the expected message from logic itself."""
    specs, stale = [], stale or {}
    for name, (label, step) in fields.items():
        meta = {type(m).__name__: m for m in model.model_fields[name].metadata}
        lo = meta["Ge"].ge if "Ge" in meta else None
        hi = meta["Le"].le if "Le" in meta else (elig.BILIRUBIN_MAX_UMOL_L if name == "bilirubin" else None)
        beyond = []
        for value in (None if lo is None else lo - step, None if hi is None else hi + step):
            data = {name: value, **other}
            beyond.append(None if value is None else Beyond(value, elig.input_errors(model, data, "en")[name]))
        specs.append(NumberField(label, *beyond, stale=stale.get(name, ())))
    return specs


def walk_eligibility(probe: PageProbe) -> None:
    page = probe.page
    kept = Kept()
    enter_and_keep(probe, kept, "KPS (0–100, steps of 10)", "40", "40")
    enter_and_keep(probe, kept, "LVEF (%)", "55", "55")
    expect(page.get_by_text("Performance status: Caution")).to_be_visible(timeout=TIMEOUT)
    f = lambda key: text("en", f"eligibility.field.{key}")  # noqa: E731
    walk_visible(probe, _eligibility_fields(elig.Baseline, {
        "kps": (f("kps"), 10), "ecog": (f("ecog"), 1), "lvef_pct": (f("lvef"), 1),
        "alt_x_uln": (f("alt"), 0.5), "ast_x_uln": (f("ast"), 0.5), "bilirubin": (f("bilirubin"), 1),
        "spo2_pct": (f("spo2"), 1), "life_expectancy_weeks": (f("life_expectancy"), 1),
    }, stale={"kps": ("Performance status: Caution",)}, bilirubin_unit="umol/L"), kept)
    expect(page.get_by_text("Performance status: Caution")).to_be_visible()

    click_tab(page, "Apheresis")
    enter_and_keep(probe, kept, f("hgb"), "100", "100")
    walk_visible(probe, _eligibility_fields(elig.ApheresisLabs, {
        "hgb_g_l": (f("hgb"), 1), "plt_10e9_l": (f("plt"), 1),
        "alc_per_ul": (f("alc"), 10), "cd3_per_ul": (f("cd3"), 10),
    }), kept)


def walk_followup(probe: PageProbe) -> None:
    # The IgG field sits under the schedule, which needs an infusion date: given by the link.
    page = probe.page
    kept = Kept()
    expect(page.get_by_text("Day +69", exact=True)).to_be_visible(timeout=TIMEOUT)
    kept.checks["schedule"] = lambda: expect(page.get_by_text("Day +69", exact=True)).to_be_visible()
    page.get_by_role("radio", name="Yes", exact=True).click()  # shows nothing new until an IgG is given
    kept.checks["infection"] = lambda: expect(page.get_by_role("radio", name="Yes", exact=True)).to_have_attribute(
        "aria-checked", "true")
    enter_and_keep(probe, kept, "Serum IgG (g/L)", "5", "5.0")
    walk_visible(probe, [NumberField(
        "Serum IgG (g/L)",
        Beyond(followup.IGG_MIN_G_L - 0.1, "IgG cannot be negative."),
        Beyond(followup.IGG_MAX_G_L + 0.1, f"IgG {followup.IGG_MAX_G_L + 0.1:g} g/L is outside 0-60 g/L"),
        stale=(text("en", "followup.decision.replace"),))], kept)


def walk_practice(probe: PageProbe) -> None:
    """The case number is a text input: logic takes a whole number 0..SEED_MAX."""
    page = probe.page
    assert visible_labels(page, NUMBER_INPUTS) == []
    kind = page.get_by_role("combobox", name="Kind of case", exact=True)

    def choose_kind() -> None:
        kind.click()
        page.get_by_role("option", name="CRS grade", exact=True).click()

    choose_kind()  # changes only the next new case
    expect(kind).to_have_value("CRS grade")
    heading = page.get_by_role("heading", name=re.compile(r"^Case \d+: ")).inner_text()
    page.get_by_role("button", name="Case number").click()
    box = page.get_by_role("textbox", name="Case number", exact=True)
    box.wait_for()
    opener = page.get_by_test_id("stPopoverBody").get_by_role("button", name="Open", exact=True)
    assert visible_labels(page, TEXT_INPUTS) == ["Case number"]
    for typed in ("-1", str(cases.SEED_MAX + 1), "abc"):
        box.fill(typed)
        probe.act(opener.click)
        message = text("en", "practice.bad_seed", value=typed, max=cases.SEED_MAX)
        assert_message_beside(page, page.get_by_role("button", name="Case number", exact=True), message)
        probe.assert_no_exception()
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()  # the case stands
        expect(kind).to_have_value("CRS grade")
        expect(box).to_have_value(typed)  # left for the user to correct


def walk_home(probe: PageProbe) -> None:
    """The chat takes numbers in words; a weight outside logic's range is refused by name."""
    page = probe.page
    assert visible_labels(page, NUMBER_INPUTS) == []
    messages = page.locator("[data-testid='stChatMessage']")
    box = page.locator("[data-testid='stChatInputTextArea']")

    def ask(question: str) -> None:
        before = messages.count()
        box.fill(question)
        probe.act(lambda: box.press("Enter"))
        expect(messages).to_have_count(before + 2, timeout=TIMEOUT)

    ask("tocilizumab 72 kg")
    chip = page.get_by_role("button", name=text("en", "home.chip.weight_kg", value="72"))
    expect(chip).to_be_visible()
    low, high = dosing.WEIGHT_MIN_KG - 10, dosing.WEIGHT_MAX_KG + 100
    for question, said in ((f"tocilizumab {low:g} kg", f"Weight {low:g} kg is below {dosing.WEIGHT_MIN_KG:g} kg"),
                           (f"tocilizumab {high:g} kg", f"Weight {high:g} kg is above {dosing.WEIGHT_MAX_KG:g} kg")):
        ask(question)
        expect(messages.last).to_contain_text(said)
        expect(messages.last).not_to_contain_text("mg IV")
        expect(chip).to_be_visible()  # the weight given before is kept
        probe.assert_no_exception()
    ask("tocilizumab abc kg")  # no number: the remembered weight is used, and said to be
    expect(messages.last).to_contain_text(text("en", "assistant.weight_used", weight="72"))
    expect(messages.last).to_contain_text("Tocilizumab 576 mg IV (weight 72 kg)")
    expect(chip).to_be_visible()


def walk_strip(probe: PageProbe) -> None:
    """The patient strip's own fields (open on pages that do not show them inline): weight,
    height, age and a dose's mg, each refused under the field; the summary drops a refused weight."""
    walk_nothing(probe)
    probe.open_expander(text("en", "patient.edit"))
    kept = Kept()
    enter_and_keep(probe, kept, "Weight (kg)", "70", "70")
    enter_and_keep(probe, kept, "Height (cm)", "170", "170")
    enter_and_keep(probe, kept, "Age (years)", "60", "60")
    top = episode.max_recorded_dose_mg("tocilizumab")
    walk_visible(probe, [
        weight_field("70 kg"),
        NumberField("Height (cm)", Beyond(-1, "Height must be above 0 cm (you entered -1)."),
                    Beyond(dosing.HEIGHT_MAX_CM + 0.5, f"is above {dosing.HEIGHT_MAX_CM:g} cm")),
        NumberField("Age (years)",
                    Beyond(dosing.AGE_MIN - 1, f"Age {dosing.AGE_MIN - 1} is outside {dosing.AGE_MIN}-{dosing.AGE_MAX}"),
                    Beyond(dosing.AGE_MAX + 1, f"Age {dosing.AGE_MAX + 1} is outside {dosing.AGE_MIN}-{dosing.AGE_MAX}")),
        NumberField(text("en", "patient.toci.mg_label"), Beyond(0, "0 mg is not a recordable tocilizumab dose"),
                    Beyond(top + 1, f"{top + 1:g} mg is not a recordable tocilizumab dose")),
    ], kept)


def walk_nothing(probe: PageProbe) -> None:
    """A page without number fields (or text fields taking numbers): it must stay so, or be walked."""
    assert visible_labels(probe.page, NUMBER_INPUTS) == []
    other_text = {"library": ["Search"]}
    slug = probe.page.url.split("?")[0].rstrip("/").rsplit("/", 1)[-1]
    assert visible_labels(probe.page, TEXT_INPUTS) == other_text.get(slug, [])


def walk_cytopenia(probe: PageProbe) -> None:
    """No number field: the lab table is a text area. Counts per µL, negatives, letters and days out
    of range are each named beside it by line; the valid line is still graded; nothing typed is lost."""
    page = probe.page
    assert visible_labels(page, NUMBER_INPUTS) == []
    label = text("en", "cytopenia.table_label")
    assert visible_labels(page, TEXT_INPUTS) == [label]
    box = page.get_by_role("textbox", name=label, exact=True)
    graded = page.get_by_text("Early ICAHT (days 0-30): At least grade 1", exact=True)
    for typed, message in (
        ("1 600", text("en", "cytopenia.problem.anc_per_ul", line=2, value="600", converted="0.6", column="")),
        ("1 -0.5", text("en", "cytopenia.problem.anc_negative", line=2, value="-0.5", converted="", column="")),
        ("1 abc", text("en", "cytopenia.problem.not_a_number", line=2, value="abc", converted="",
                       column=text("en", "cytopenia.column.anc"))),
        (f"{hematotox.DAY_MAX + 1} 0.3", text("en", "cytopenia.problem.day_range", line=2,
                                               value=hematotox.DAY_MAX + 1, converted="", column="")),
        ("1 0.3 150000", text("en", "cytopenia.problem.plt_per_ul", line=2, value="150000", converted="150",
                              column="")),
    ):
        table = f"0 0.4\n{typed}"
        probe.act(lambda table=table: (box.fill(table), box.press("Control+Enter")))
        assert_message_beside(page, box, message)
        probe.assert_no_exception()
        expect(box).to_have_value(table)  # left for the user to correct
        expect(graded).to_be_visible()  # the valid line is still graded


WALKS: dict[str, tuple[str, Callable[[PageProbe], None]]] = {
    "home": ("", walk_home),
    "toxicity": ("", walk_toxicity),
    "dosing": ("", walk_dosing),
    "eligibility": ("", walk_eligibility),
    "relapse": ("", walk_strip),
    "followup": ("&infusion=2026-01-31&today=2026-04-10", walk_followup),
    "evidence": ("", walk_nothing),
    "practice": ("", walk_practice),
    "library": ("", walk_nothing),
    "cytopenia": ("", walk_cytopenia),
}
SLUGS = [slug for slug, _ in nav.available()]


def test_every_registered_page_is_walked():
    assert set(SLUGS) <= set(WALKS), f"pages not walked: {set(SLUGS) - set(WALKS)}"


@pytest.mark.parametrize("slug", [pytest.param(s, id=s) for s in SLUGS])
def test_out_of_range_and_non_numbers_are_refused_beside_the_field(open_page, slug):
    params, walk = WALKS[slug]
    probe = open_page(("/" if slug == "home" else f"/{slug}") + "?lang=en" + params, TABLET)
    probe.page.wait_for_selector("h1", timeout=TIMEOUT)
    walk(probe)
    probe.assert_no_exception()
    probe.assert_clean()


# --- date and time fields: wide widget ranges, logic names what it refuses ---------------------


def type_date(probe: PageProbe, label: str, value: str, *, with_time: bool = False) -> None:
    """Type a date ("YYYYMMDD", or "YYYYMMDDHHMM" into a date-time field) segment by segment."""
    page = probe.page
    group = page.get_by_role("group", name=label, exact=True)
    group.get_by_role("spinbutton").first.click()
    page.keyboard.type(value)
    probe.act(lambda: page.keyboard.press("Escape"))


def date_walk(probe: PageProbe, label: str, valid: str, refused: str, message: str,
              stale: str | re.Pattern, kept: Kept) -> None:
    """A valid date shows its result; a refused one (typed into the same field) shows logic's message
    under the field and no result computed from the earlier date; the valid date brings it back."""
    page = probe.page
    type_date(probe, label, valid)
    expect(shown_text(page, stale).first).to_be_visible(timeout=TIMEOUT)
    type_date(probe, label, refused)
    assert_message_beside(page, page.get_by_role("group", name=label, exact=True), message)
    expect(shown_text(page, stale)).to_have_count(0)
    probe.assert_no_exception()
    kept.verify()
    type_date(probe, label, valid)
    expect(shown_text(page, stale).first).to_be_visible(timeout=TIMEOUT)
    expect(page.locator("[data-testid='stAlert']", has_text=message).filter(visible=True)).to_have_count(0)


def test_dates_and_times_reach_logic_and_are_named_under_the_field(open_page):
    from datetime import datetime, timedelta

    now = datetime.now()  # the browser's zone is the server's here (both UTC): see test_patient_browser
    past, future = now - timedelta(hours=2), now + timedelta(days=2)

    # /toxicity: the HLH/MAS check's first-line time, and the episode chart's infusion date
    probe = open_page("/toxicity?lang=en&temp_c=39&hypotension=one_vasopressor", TABLET)
    page = probe.page
    kept = Kept()
    kept.checks["temperature"] = lambda: expect(number_field(page, "Highest temperature (°C)")).to_have_value("39.0")
    date_walk(probe, text("en", "toxicity.escalation.first_line_label"), f"{past:%Y%m%d%H%M}",
              f"{future:%Y%m%d%H%M}", "The first-line time is later than now",
              re.compile(r"h since first-line treatment: the 12-h check is due at"), kept)
    click_tab(page, "Episode chart")
    date_walk(probe, text("en", "toxicity.chart.infusion_label"), "20260301", "20150601",
              "Infusion date 2015-06-01 is not possible here", text("en", "toxicity.chart.at_label"), kept)
    probe.assert_clean()

    # /eligibility: a last exposure in the future
    probe = open_page("/eligibility?lang=en", TABLET)
    page = probe.page
    click_tab(page, "Washout")
    date_walk(probe, text("en", "eligibility.exposure.lenalidomide"), f"{now - timedelta(days=3):%Y%m%d}",
              f"{future:%Y%m%d}", "is in the future", text("en", "eligibility.washout.earliest"), Kept())
    probe.assert_clean()

    # /followup: an infusion date more than a year ahead (today given by the link)
    probe = open_page("/followup?lang=en&today=2026-04-10", TABLET)
    page = probe.page
    date_walk(probe, text("en", "followup.infusion_label"), "20260131", "20280101",
              "2028-01-01 is more than a year from today (2026-04-10)", re.compile(r"^Day \+69$"), Kept())
    probe.assert_clean()


def test_a_refused_value_is_named_in_the_pages_language(open_page):
    """The review's case on a Chinese page: weight -70 after 68. No English "Press Enter to apply",
    logic's reason in Chinese under the field, and "544 mg" gone."""
    probe = open_page("/toxicity?lang=zh&temp_c=39&hypotension=one_vasopressor", TABLET)
    page = probe.page
    label = text("zh", "toxicity.mgmt.weight_label")
    enter_number(probe, label, "68")
    expect(shown_text(page, "544 mg").first).to_be_visible(timeout=TIMEOUT)
    enter_number(probe, label, "-70")
    assert_message_beside(page, visible_number(page, label), text("zh", "dosing.err.weight_not_positive", value="-70"))
    expect(shown_text(page, "544 mg")).to_have_count(0)
    expect(page.get_by_text("Press Enter to apply")).to_have_count(0)
    expect(visible_number(page, label)).to_have_value("-70.0")
    probe.assert_clean()
