"""logic.dosing and logic.dose_sheet: every limit on both sides, reference vectors, Table 2."""

from __future__ import annotations

import html
import math
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from logic import cards, content, crs, dose_sheet, dosing, icans, plans
from logic.models import Grade
from logic.strings import LANGS, catalog, text
from tests import print_samples

T0 = datetime(2026, 3, 1, 8, 0)
H = timedelta(hours=1)


def error_type(exc: pytest.ExceptionInfo) -> str:
    return exc.value.errors()[0]["type"]


# --- body-surface area: reference vectors --------------------------------------------------
# No worked example is printed in either paper (Mosteller's is a one-paragraph letter); the
# vectors below are computed by hand (4 decimals) from each paper's published formula:
#   Mosteller RD. Simplified calculation of body-surface area. N Engl J Med 1987;317:1098:
#     BSA = sqrt(height cm × weight kg / 3600)
#   Du Bois D, Du Bois EF. A formula to estimate the approximate surface area if height and
#     weight be known. Arch Intern Med 1916;17:863-71: BSA = 0.007184 × H^0.725 × W^0.425
# 175 cm/70 kg → 1.845 m² (Mosteller) is also the worked example of several drug-dosing
# references, e.g. medicalequations.com and digicalcs.com "Body surface area".

MOSTELLER = "Mosteller RD, N Engl J Med 1987;317:1098 - formula, hand-computed"
DUBOIS = "DuBois & DuBois, Arch Intern Med 1916;17:863 - formula, hand-computed"


@pytest.mark.parametrize(("height", "weight", "expected"), [
    pytest.param(170, 70, 1.8181, id=f"{MOSTELLER}: 170 cm 70 kg"),
    pytest.param(175, 70, 1.8447, id=f"{MOSTELLER}: 175 cm 70 kg (worked example 1.845)"),
    pytest.param(160, 55, 1.5635, id=f"{MOSTELLER}: 160 cm 55 kg"),
    pytest.param(180, 90, 2.1213, id=f"{MOSTELLER}: 180 cm 90 kg"),
    pytest.param(100, 30, 0.9129, id=f"{MOSTELLER}: 100 cm 30 kg (lower limits)"),
    pytest.param(230, 300, 4.3780, id=f"{MOSTELLER}: 230 cm 300 kg (upper limits)"),
])
def test_mosteller_reference_vectors(height, weight, expected):
    assert dosing.body_surface_area(height, weight) == pytest.approx(expected, abs=5e-5)
    assert dosing.body_surface_area(height, weight, "mosteller") == pytest.approx(expected, abs=5e-5)


@pytest.mark.parametrize(("height", "weight", "expected"), [
    pytest.param(170, 70, 1.8097, id=f"{DUBOIS}: 170 cm 70 kg"),
    pytest.param(175, 70, 1.8481, id=f"{DUBOIS}: 175 cm 70 kg"),
    pytest.param(160, 55, 1.5632, id=f"{DUBOIS}: 160 cm 55 kg"),
    pytest.param(180, 90, 2.0989, id=f"{DUBOIS}: 180 cm 90 kg"),
    pytest.param(150, 45, 1.3698, id=f"{DUBOIS}: 150 cm 45 kg"),
    pytest.param(200, 150, 2.8148, id=f"{DUBOIS}: 200 cm 150 kg"),
])
def test_dubois_reference_vectors(height, weight, expected):
    assert dosing.body_surface_area(height, weight, "dubois") == pytest.approx(expected, abs=5e-5)


def test_unknown_bsa_formula_is_refused():
    with pytest.raises(ValidationError):
        dosing.body_surface_area(170, 70, "haycock")


# --- weight and height limits: limit accepted, just past it refused with the reason -------

@pytest.mark.parametrize("weight", [30, 30.0, 72, 300])
def test_weight_within_limits_accepted(weight):
    assert dosing.tocilizumab_dose(weight).amount > 0


@pytest.mark.parametrize(("weight", "kind"), [
    pytest.param(29.99, "weight_below_adult", id="just below 30 kg: outside the adult consensus"),
    pytest.param(12, "weight_below_adult", id="child"),
    pytest.param(0, "weight_not_positive", id="zero"),
    pytest.param(-70, "weight_not_positive", id="negative"),
    pytest.param(300.01, "weight_above_max", id="just above 300 kg"),
    pytest.param(72000, "weight_grams", id="72000: grams"),
    pytest.param(30000, "weight_grams", id="30000: grams at the limit"),
    pytest.param(math.nan, "not_a_number", id="NaN"),
])
def test_weight_refused_with_reason(weight, kind):
    with pytest.raises(ValidationError) as exc:
        dosing.tocilizumab_dose(weight)
    assert error_type(exc) == kind


def test_weight_messages_name_the_mistake():
    with pytest.raises(ValidationError, match="grams"):
        dosing.check_weight(72000)
    with pytest.raises(ValidationError, match="adult consensus"):
        dosing.check_weight(25)


@pytest.mark.parametrize("height", [100, 170, 230])
def test_height_within_limits_accepted(height):
    assert dosing.check_height(height) == height


@pytest.mark.parametrize(("height", "kind"), [
    pytest.param(99.9, "height_below_min", id="just below 100 cm"),
    pytest.param(230.1, "height_above_max", id="just above 230 cm"),
    pytest.param(1.7, "height_metres", id="1.7: metres"),
    pytest.param(2.3, "height_metres", id="2.3: metres at the limit"),
    pytest.param(1700, "height_millimetres", id="1700: millimetres"),
    pytest.param(0, "height_not_positive", id="zero"),
])
def test_height_refused_with_reason(height, kind):
    with pytest.raises(ValidationError) as exc:
        dosing.body_surface_area(height, 70)
    assert error_type(exc) == kind
    assert exc.value.errors()[0]["ctx"]["value"]


def test_height_in_metres_message_suggests_centimetres():
    with pytest.raises(ValidationError, match=r"metres.*170 cm"):
        dosing.check_height(1.7)


# --- tocilizumab dose: 8 mg/kg, cap 800 mg, both sides -----------------------------------

@pytest.mark.parametrize(("weight", "amount", "capped"), [
    pytest.param(99.875, 799, False, id="799 mg: below the cap"),
    pytest.param(100, 800, False, id="800 mg: exactly the cap, not capped"),
    pytest.param(100.125, 800, True, id="801 mg computed: capped to 800"),
    pytest.param(300, 800, True, id="300 kg: 2400 mg computed, capped"),
    pytest.param(72, 576, False, id="72 kg: 576 mg"),
    pytest.param(30, 240, False, id="30 kg: 240 mg"),
])
def test_tocilizumab_cap_both_sides(weight, amount, capped):
    dose = dosing.tocilizumab_dose(weight)
    assert (dose.amount, dose.capped, dose.unit, dose.route) == (amount, capped, "mg", "IV")
    assert dose.recommendation_id == "tocilizumab_dosing"


def test_tocilizumab_numbers_come_from_content():
    rec = content.recommendation("tocilizumab_dosing")
    calc = dosing.tocilizumab(100.125)
    assert calc.cap == rec.value("max_single_dose_mg") == 800
    assert calc.uncapped == pytest.approx(801)
    assert calc.concentration_mg_per_ml == rec.note_value("concentration_mg_per_ml") == 20
    assert calc.volume_ml == 40.0
    assert calc.infusion_min_h == 1


def test_tocilizumab_rounding_shows_unrounded_and_never_exceeds_cap():
    calc = dosing.tocilizumab(72.44)  # 579.52 mg
    assert calc.unrounded == pytest.approx(579.52)
    assert calc.rounded == 580 and calc.dose.amount == 580
    assert calc.volume_ml == 29.0
    near_cap = dosing.tocilizumab(99.99)  # 799.92 mg rounds to the cap, not above
    assert near_cap.rounded == 800 and not near_cap.dose.capped


def test_tocilizumab_working_line_rounds_to_3_decimals_and_values_to_6():
    """8 × 61.23456 = 489.87648 mg: the working line shows 489.876 (3 decimals; rounding to 4 first
    would give 489.8765 and then 489.877); 8 × 61.2345678 = 489.8765424 mg, returned to 6 decimals."""
    assert dosing.tocilizumab(61.23456).formula == "8 mg/kg × 61.2346 kg = 489.876 mg"
    calc = dosing.tocilizumab(61.2345678)
    assert (calc.unrounded, calc.uncapped, calc.rounded) == (489.876542, 489.876542, 490.0)


@pytest.mark.parametrize(("x", "mg"), [(55.4999996, 56.0), (55.4999994, 55.0), (55.5, 56.0), (54.5, 55.0)])
def test_round_mg_removes_float_noise_below_a_millionth_then_rounds_halves_up(x, mg):
    """55.4999996 is 55.5 to 6 decimals (noise), so 56 mg; 55.4999994 is 55.499999, so 55 mg."""
    assert dosing.round_mg(x) == mg


@settings(max_examples=300, deadline=None)
@given(st.floats(min_value=30, max_value=300, allow_nan=False))
def test_tocilizumab_never_exceeds_800(weight):
    assert dosing.tocilizumab_dose(weight).amount <= 800


@settings(max_examples=300, deadline=None)
@given(st.floats(min_value=30, max_value=300), st.floats(min_value=0, max_value=100))
def test_tocilizumab_never_decreases_with_weight(weight, more):
    heavier = min(300.0, weight + more)
    assert dosing.tocilizumab_dose(heavier).amount >= dosing.tocilizumab_dose(weight).amount


# --- tocilizumab course guard: 8 h, 24 h (3 by label, 4 printed), 4 in total ---------------

def test_first_dose_allowed_now():
    check = dosing.tocilizumab_next([], T0)
    assert check.allowed and check.earliest == T0 and check.doses_total == 0 and check.rule == "first_dose"


def test_8_hour_rule_both_sides():
    assert dosing.tocilizumab_next([T0], T0 + 8 * H).allowed
    early = dosing.tocilizumab_next([T0], T0 + 8 * H - timedelta(seconds=1))
    assert not early.allowed and early.earliest == T0 + 8 * H and early.rule == "interval"
    assert "8 h" in early.reason


def test_label_3_in_24h_rule_both_sides_and_both_limits_shown():
    # Doses entered closer than 8 h apart: the 8-h rule alone would allow the fourth at +12 h;
    # the labels' 3 in any 24 h keeps it to 24 h after the first of the three.
    given = [T0, T0 + 2 * H, T0 + 4 * H]
    check = dosing.tocilizumab_next(given, T0 + 24 * H - timedelta(seconds=1))
    assert not check.allowed and check.rule == "label_24h"
    assert check.earliest == T0 + 24 * H
    assert check.earliest_by_interval == T0 + 12 * H
    assert check.earliest_by_printed_24h is None  # the printed 4-in-24 h never limits a fourth dose
    assert (check.max_doses_24h_printed, check.max_doses_24h_label) == (4, 3)
    assert "stricter applies" in check.reason and "'4 in 24 h'" in check.reason
    assert dosing.tocilizumab_next(given, T0 + 24 * H).allowed


def test_each_rules_earliest_time_is_returned_beside_the_verdict():
    # Doses at 06:00, 14:00 and 23:00: 8 h after the last is 07:00 next day; 24 h after the first
    # of the three (labels' 3 in 24 h) is 06:00; the printed 4 in 24 h needs four doses: none.
    given = [datetime(2026, 3, 1, 6, 0), datetime(2026, 3, 1, 14, 0), datetime(2026, 3, 1, 23, 0)]
    check = dosing.tocilizumab_next(given, datetime(2026, 3, 2, 0, 0))
    assert (check.earliest_by_interval, check.earliest_by_label_24h, check.earliest_by_printed_24h) == (
        datetime(2026, 3, 2, 7, 0), datetime(2026, 3, 2, 6, 0), None)
    assert (check.allowed, check.rule, check.earliest) == (False, "interval", datetime(2026, 3, 2, 7, 0))
    two = dosing.tocilizumab_next(given[:2], datetime(2026, 3, 2, 0, 0))
    assert (two.earliest_by_interval, two.earliest_by_label_24h) == (datetime(2026, 3, 1, 22, 0), None)


def test_every_8_hours_fourth_dose_at_24h_names_the_label_rule():
    given = [T0, T0 + 8 * H, T0 + 16 * H]
    assert not dosing.tocilizumab_next(given, T0 + 24 * H - timedelta(minutes=1)).allowed
    at = dosing.tocilizumab_next(given, T0 + 24 * H)
    assert at.allowed and at.earliest == T0 + 24 * H
    later = dosing.tocilizumab_next(given, T0 + 20 * H)
    assert later.rule == "label_24h"


def test_24h_window_counts_only_recent_doses():
    # With the first dose 30 h back, only two fall in the last 24 h: the 8-h rule decides.
    given = [T0, T0 + 30 * H, T0 + 40 * H]
    check = dosing.tocilizumab_next(given, T0 + 47 * H)
    assert not check.allowed and check.rule == "interval" and check.earliest == T0 + 48 * H


def test_4_dose_total_both_sides():
    three = [T0, T0 + 8 * H, T0 + 16 * H]
    assert dosing.tocilizumab_next(three, T0 + 40 * H).allowed
    four = [*three, T0 + 24 * H]
    check = dosing.tocilizumab_next(four, T0 + 100 * H)
    assert not check.allowed and check.earliest is None and check.rule == "max_total"
    assert check.doses_total == 4


@pytest.mark.parametrize(("given", "now", "kind"), [
    pytest.param([T0 + H], T0, "dose_time_future", id="a dose in the future"),
    pytest.param([T0 + 8 * H, T0], T0 + 9 * H, "dose_times_out_of_order", id="out of order"),
    pytest.param([T0, T0], T0 + H, "dose_times_duplicate", id="the same time twice"),
    pytest.param([T0.replace(tzinfo=UTC)], T0 + H, "dose_times_mixed_timezones", id="mixed time zones"),
])
def test_bad_dose_times_refused_with_reason(given, now, kind):
    with pytest.raises(ValidationError) as exc:
        dosing.tocilizumab_next(given, now)
    assert error_type(exc) == kind


def test_dose_given_at_now_is_not_in_the_future():
    assert not dosing.tocilizumab_next([T0], T0).allowed


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=72 * 60), max_size=6, unique=True).map(sorted),
       st.integers(min_value=0, max_value=96 * 60))
def test_guard_never_breaks_a_rule_and_raises_only_validation_errors(minutes, now_min):
    given = [T0 + timedelta(minutes=m) for m in minutes]
    now = T0 + timedelta(minutes=now_min)
    try:
        check = dosing.tocilizumab_next(given, now)
    except ValidationError:
        return
    if check.earliest is None:
        assert len(given) >= 4 and not check.allowed
        return
    if given:
        t = check.earliest
        assert t - given[-1] >= 8 * H
        assert sum(1 for g in given if t - g < 24 * H) + 1 <= 3
    assert check.allowed == (now >= check.earliest)


# --- steroids and levetiracetam -----------------------------------------------------------

def test_dexamethasone_from_table_4_grade_3():
    std, refr = dosing.dexamethasone_dose(), dosing.dexamethasone_dose(refractory=True)
    assert (std.amount, std.frequency, std.route) == (10, "q6h", "IV")
    assert (refr.amount, refr.frequency) == (20, "q6h")
    assert std.recommendation_id == "crs_mgmt_grade_3"


@pytest.mark.parametrize(("weight", "mg"), [(72, 72), (72.5, 73), (72.4, 72), (30, 30), (300, 300)])
def test_methylprednisolone_1_mg_per_kg_q12h(weight, mg):
    dose = dosing.methylprednisolone_dose(weight)
    assert (dose.amount, dose.frequency, dose.route, dose.recommendation_id) == (mg, "q12h", "IV", "icans_g2_no_crs")


def test_methylprednisolone_high_dose_1_g_daily_needs_no_weight():
    dose = dosing.methylprednisolone_dose(None, high_dose=True)
    assert (dose.amount, dose.unit, dose.frequency, dose.recommendation_id) == (1000, "mg", "daily", "crs_mgmt_grade_4")
    assert "icans_g4_no_crs" in dosing.methylprednisolone(None, True).indications


def test_methylprednisolone_per_kg_without_weight_is_refused():
    with pytest.raises(ValidationError) as exc:
        dosing.methylprednisolone_dose(None)
    assert error_type(exc) == "weight_required"
    with pytest.raises(ValidationError):
        dosing.methylprednisolone_dose(25)


def test_levetiracetam_750_q12h_po():
    dose = dosing.levetiracetam_dose()
    assert (dose.amount, dose.frequency, dose.route, dose.recommendation_id) == (750, "q12h", "PO",
                                                                                  "cns_disease_prophylaxis")


# --- Cockcroft-Gault ------------------------------------------------------------------------

CG = "Cockcroft DW, Gault MH. Nephron 1976;16:31-41 - formula, hand-computed"


@pytest.mark.parametrize(("age", "weight", "sex", "creat", "unit", "expected"), [
    pytest.param(60, 70, "male", 1.0, "mg/dL", 77.78, id=f"{CG}: 60 y 70 kg male 1.0 mg/dL"),
    pytest.param(60, 70, "female", 1.0, "mg/dL", 66.11, id=f"{CG}: female x 0.85"),
    pytest.param(60, 70, "male", 88.4, "umol/L", 77.78, id=f"{CG}: 88.4 umol/L = 1 mg/dL"),
    pytest.param(40, 80, "male", 2.0, "mg/dL", 55.56, id=f"{CG}: 40 y 80 kg 2.0 mg/dL"),
])
def test_cockcroft_gault(age, weight, sex, creat, unit, expected):
    assert dosing.creatinine_clearance(age, weight, sex, creat, unit) == pytest.approx(expected, abs=0.01)


@pytest.mark.parametrize(("age", "creat", "unit", "kind"), [
    pytest.param(17, 1.0, "mg/dL", "age_not_adult", id="age 17"),
    pytest.param(60, 88, "mg/dL", "creatinine_looks_umol", id="88 mg/dL is umol/L"),
    pytest.param(60, 0.9, "umol/L", "creatinine_looks_mg_dl", id="0.9 umol/L is mg/dL"),
    pytest.param(60, 5000, "umol/L", "creatinine_out_of_range", id="5000 umol/L"),
])
def test_creatinine_clearance_refusals(age, creat, unit, kind):
    with pytest.raises(ValidationError) as exc:
        dosing.creatinine_clearance(age, 70, "male", creat, unit)
    assert error_type(exc) == kind


def test_creatinine_unit_must_be_explicit():
    with pytest.raises(ValidationError):
        dosing.creatinine_clearance(60, 70, "male", 1.0, "mmol/L")
    assert dosing.creatinine_clearance(18, 70, "male", 1.0, "mg/dL") > 0


# --- Table 2 --------------------------------------------------------------------------------

def test_table2_regimens_match_the_cleaned_table_row_by_row():
    rows = content.document().rows("T2")
    regs = dosing.table2_regimens()
    assert len(regs) == len(rows) == 9
    for reg, row in zip(regs, rows, strict=True):
        assert reg.source == row.id and row.cells[0].startswith(reg.product)
        for drug, cell in (("fludarabine", row.cells[3]), ("cyclophosphamide", row.cells[4])):
            d = reg.drug(drug)
            if cell == "无":
                assert d is None
                continue
            m = re.fullmatch(r"(\d+) (mg/m²|mg/kg),(-\d+(?:~-\d+)?) d", cell)
            assert m, cell
            assert (d.dose, d.basis, d.days_printed) == (float(m[1]), m[2], m[3])


def test_regimen_models_are_frozen_and_name_their_recommendation():
    reg = dosing.table2_regimens()[0]
    with pytest.raises(ValidationError):
        reg.product = "x"
    assert all(content.recommendation(r.recommendation_id).topic == "lymphodepletion"
               for r in dosing.table2_regimens())


@pytest.mark.parametrize(("printed", "days"), [("-5~-3", (-5, -4, -3)), ("-4~-2", (-4, -3, -2)), ("-5", (-5,))])
def test_parse_days(printed, days):
    assert dosing.parse_days(printed) == days


# 170 cm / 70 kg, Mosteller: BSA 1.8181 → 1.82 m². Hand-computed: 30 × 1.82 = 54.6 → 55;
# 25 × 1.82 = 45.5 → 46; 300 × 1.82 = 546; 250 × 1.82 = 455; 750 × 1.82 = 1365; 20 × 70 = 1400.
D53 = (-5, -4, -3)
D42 = (-4, -3, -2)
TABLE2_HAND = {
    "CAR-BCMA": {"fludarabine": (55, 54.6, D53), "cyclophosphamide": (546, 546, D53)},
    "LCAR-B38M": {"cyclophosphamide": (546, 546, D53)},
    "CT103A": {"fludarabine": (46, 45.5, D42), "cyclophosphamide": (1400, 1400, D42)},
    "HRAIN": {"fludarabine": (46, 45.5, D53), "cyclophosphamide": (546, 546, D53)},
    "anti-BCMA/anti-CD19": {"fludarabine": (55, 54.6, D53), "cyclophosphamide": (1365, 1365, (-5,))},
    "CT053": {"fludarabine": (46, 45.5, D53), "cyclophosphamide": (546, 546, D53)},
    "Tandem CAR T(BCMA-CD38)": {"fludarabine": (46, 45.5, D53), "cyclophosphamide": (455, 455, D53)},
    "CARTITUDE-1": {"fludarabine": (55, 54.6, D53), "cyclophosphamide": (546, 546, D53)},
    "KarMMa": {"fludarabine": (55, 54.6, D53), "cyclophosphamide": (546, 546, D53)},
}


def test_every_table2_regimen_is_hand_computed():
    assert set(TABLE2_HAND) == set(dosing.lymphodepletion_regimens())


@pytest.mark.parametrize("regimen", list(TABLE2_HAND))
def test_lymphodepletion_against_hand_computed_values(regimen):
    doses = dosing.lymphodepletion(regimen, 170, 70)
    expected = TABLE2_HAND[regimen]
    assert {d.drug for d in doses} == set(expected)
    for drug, (mg, unrounded, days) in expected.items():
        mine = [d for d in doses if d.drug == drug]
        assert tuple(d.day for d in mine) == days
        assert all(d.amount_mg == mg and d.unrounded_mg == pytest.approx(unrounded) for d in mine)


def test_lymphodepletion_plan_calendar_and_bsa_shown_both_ways():
    plan = dosing.lymphodepletion_plan("CT103A", 170, 70, "mosteller", date(2026, 3, 10))
    assert plan.bsa_m2 == 1.82 and plan.bsa_unrounded == pytest.approx(1.8181, abs=1e-4)
    assert plan.days == (-4, -3, -2, -1, 0)
    assert dict(plan.dates)[-4] == date(2026, 3, 6) and dict(plan.dates)[0] == date(2026, 3, 10)
    assert "ld_recommended_flu_cy" in plan.recommendation_ids
    lcar = dosing.lymphodepletion_plan("LCAR-B38M", 170, 70)
    assert lcar.no_fludarabine and lcar.days == (-5, -4, -3, -2, -1, 0)


def test_lymphodepletion_dubois_on_request():
    doses = dosing.lymphodepletion("KarMMa", 170, 70, "dubois")  # 1.8097 → 1.81
    assert {d.amount_mg for d in doses if d.drug == "cyclophosphamide"} == {543}


def test_lymphodepletion_working_line_rounds_to_3_decimals():
    """CT103A cyclophosphamide 20 mg/kg × 40.000123 kg = 800.00246 mg: shown as 800.002 (rounding to
    4 decimals first would give 800.0025 and then 800.003); the dose is 800 mg."""
    plan = dosing.lymphodepletion_plan("CT103A", 170, 40.000123)
    cy = [d for d in plan.doses if d.drug == "cyclophosphamide"]
    assert [(d.day, d.amount_mg, d.formula) for d in cy] == [
        (-4, 800.0, "20 mg/kg × 40.0001 kg = 800.002 mg"), (-3, 800.0, "20 mg/kg × 40.0001 kg = 800.002 mg"),
        (-2, 800.0, "20 mg/kg × 40.0001 kg = 800.002 mg")]
    assert cy[0].unrounded_mg == 800.00246


def test_unrounded_doses_are_returned_to_6_decimals():
    # 1 mg/kg × 61.2345678 kg = 61.2345678 → 61.234568 mg; CT103A 20 mg/kg × 40.00000123 kg =
    # 800.0000246 → 800.000025 mg.
    assert dosing.methylprednisolone(61.2345678).unrounded == 61.234568
    plan = dosing.lymphodepletion_plan("CT103A", 170, 40.00000123)
    assert {d.unrounded_mg for d in plan.doses if d.drug == "cyclophosphamide"} == {800.000025}


def test_bsa_float_noise_below_a_billionth_is_removed_before_rounding_to_2_decimals():
    # √(180 × 68.08049998 / 3600) = 1.8449999997 m²: 1.845 to 9 decimals, so 1.85 m², halves up.
    plan = dosing.lymphodepletion_plan("KarMMa", 180, 68.08049998)
    assert plan.bsa_m2 == 1.85 and plan.bsa_unrounded == pytest.approx(1.8449999997, abs=1e-10)
    assert {(d.drug, d.amount_mg) for d in plan.doses} == {("fludarabine", 56.0), ("cyclophosphamide", 555.0)}


@pytest.mark.parametrize(("name", "source", "rec"), [
    ("CAR-BCMA", "T2.1", "ld_car_bcma"), ("CT103A", "T2.3", "ld_ct103a"), ("KarMMa", "T2.9", "ld_karmma"),
])
def test_regimen_by_name_is_that_table2_row(name, source, rec):
    reg = dosing.regimen(name)
    assert (reg.product, reg.source, reg.recommendation_id) == (name, source, rec)


def test_unknown_regimen_refused():
    with pytest.raises(ValidationError) as exc:
        dosing.lymphodepletion("CAR-X", 170, 70)
    assert error_type(exc) == "regimen_unknown"


@settings(max_examples=200, deadline=None)
@given(st.floats(min_value=100, max_value=229), st.floats(min_value=30, max_value=299),
       st.floats(min_value=0.5, max_value=1), st.sampled_from(["mosteller", "dubois"]))
def test_bsa_increases_with_height_and_weight(height, weight, step, formula):
    base = dosing.body_surface_area(height, weight, formula)
    assert dosing.body_surface_area(height + step, weight, formula) > base
    assert dosing.body_surface_area(height, weight + step, formula) > base


# --- Table 1 cell dose and the collection target ---------------------------------------------

@pytest.mark.parametrize(("text", "parsed"), [
    ("(0.3~9)×10⁶/kg", (0.3, 9, True)), ("0.5×10⁶/kg", (0.5, 0.5, True)), ("(50~180)×10⁶", (50, 180, False)),
])
def test_parse_cell_dose(text, parsed):
    assert dosing.parse_cell_dose(text) == parsed


def test_cell_doses_per_kg_totalled_and_flat_kept_flat():
    rows = {r.source: r for r in dosing.cell_doses(70)}
    assert len(rows) == 12
    cartitude = rows["T1.10"]
    assert cartitude.dose_per_kg and cartitude.total_low_1e6 == pytest.approx(52.5)
    karmma = rows["T1.11"]
    assert not karmma.dose_per_kg and karmma.total_low_1e6 is None and karmma.dose_text == "(150~450)×10⁶"
    assert all(content.recommendation(r.recommendation_id).source == r.source for r in rows.values())
    assert dosing.cell_doses()[0].total_low_1e6 is None


def test_collection_target_from_content():
    target = dosing.collection_target(72)
    assert (target.total_low_1e6, target.total_high_1e6) == (4320, 43200)
    assert target.recommendation_id == "apheresis_collection_target"
    with pytest.raises(ValidationError):
        dosing.collection_target(72000)


def test_cell_and_collection_totals_are_returned_to_6_decimals():
    # 61.234567891 kg: 1 × → 61.234568; 6 × = 367.407407346 → 367.407407; 60 × = 3674.07407346 →
    # 3674.074073; 600 × = 36740.7407346 → 36740.740735 (to 7 decimals each would keep one more digit).
    t14 = next(r for r in dosing.cell_doses(61.234567891) if r.source == "T1.4")
    assert (t14.dose_text, t14.total_low_1e6, t14.total_high_1e6, t14.formula) == (
        "(1~6)×10⁶/kg", 61.234568, 367.407407, "(1~6)×10⁶/kg × 61.2346 kg = (61.2346~367.407)×10⁶")
    t15 = next(r for r in dosing.cell_doses(61.234567891) if r.source == "T1.5")  # one dose, not a range
    assert (t15.dose_text, t15.formula) == ("9×10⁶/kg", "9×10⁶/kg × 61.2346 kg = 551.111×10⁶")
    target = dosing.collection_target(61.234567891)
    assert (target.total_low_1e6, target.total_high_1e6) == (3674.074073, 36740.740735)


# --- error catalog: every refusal can be said in both languages --------------------------------

@pytest.mark.parametrize("lang", LANGS)
def test_every_error_type_has_a_message_with_its_placeholders(lang):
    cat = catalog(lang)
    for kind, ctx_keys in dosing.ERROR_TYPES.items():
        msg = cat[f"dosing.err.{kind}"]
        assert set(re.findall(r"{(\w+)}", msg)) <= set(ctx_keys), kind


# --- dose sheet ------------------------------------------------------------------------------

def _sheet(lang="en", **kw) -> str:
    items = [
        dose_sheet.item_from_calculation("tocilizumab", dosing.tocilizumab(72), lang),
        dose_sheet.item_from_calculation("methylprednisolone", dosing.methylprednisolone(72), lang),
        dose_sheet.item_from_plan(dosing.lymphodepletion_plan("CT103A", 170, 72, infusion=date(2026, 3, 10)), lang),
    ]
    return dose_sheet.render_html(dose_sheet.DoseSheet(
        lang=lang, generated_at=datetime(2026, 3, 1, 9, 30), version=kw.get("version", "0.1.0"),
        weight_kg=72, height_cm=170, bsa_m2=1.84, items=tuple(items)))


def test_dose_sheet_holds_inputs_doses_rules_and_quotes():
    page = _sheet()
    for needle in ("576 mg IV", "8 mg/kg × 72 kg = 576 mg", "72 kg", "170 cm", "2026-03-01 09:30", "0.1.0",
                   "托珠单抗用法为8 mg/kg", "2026-03-06", "1440 mg", "@page", "size: A4"):
        assert needle in page, needle


def test_dose_sheet_in_chinese():
    page = _sheet("zh")
    assert "剂量单" in page and "576 mg 静脉滴注" in page and "lang='zh-CN'" in page


def test_dose_sheet_escapes_everything():
    page = _sheet(version="<script>alert(1)</script>")
    assert "<script>" not in page and "&lt;script&gt;" in page


def test_icans_dexamethasone_is_read_from_table_5():
    # Review m15: failed before the fix (the ICANS dose cited crs_mgmt_grade_3, Table 4).
    dex = dosing.dexamethasone(icans=True)
    assert dex.dose.recommendation_id == "icans_g2_no_crs" and "icans_g3_no_crs" in dex.recommendation_ids
    assert (dex.dose.amount, dex.dose.frequency, dex.dose.route) == (
        float(content.value("icans_g2_no_crs", "dexamethasone_mg")), "q6h", "IV")
    assert dosing.dexamethasone().dose.recommendation_id == "crs_mgmt_grade_3"  # CRS unchanged
    with pytest.raises(ValueError):
        dosing.dexamethasone(refractory=True, icans=True)


@pytest.mark.oracle
def test_icans_dexamethasone_literal_table5_grade_2_3_10mg_q6h():
    # Table 5, ICANS grade 2-3 without CRS: dexamethasone 10 mg IV q6h (literal); its dose is that drug's,
    # never capped, cited for the three rows it is given for, and dexamethasone_dose() is the same dose
    dex = dosing.dexamethasone(icans=True)
    assert dex.dose == dosing.Dose(drug="dexamethasone", amount=10.0, unit="mg", route="IV", frequency="q6h",
                                   capped=False, recommendation_id="icans_g2_no_crs")
    assert dex.indications == ("crs_mgmt_grade_3", "icans_g2_no_crs", "icans_g3_no_crs")
    assert dosing.dexamethasone_dose(False, True) == dex.dose
    assert dosing.dexamethasone_dose(False, False).recommendation_id == "crs_mgmt_grade_3"


def test_no_refractory_dexamethasone_step_for_icans_is_a_callers_error_with_its_reason():
    with pytest.raises(ValueError, match=r"^Table 5 prints no refractory dexamethasone step for ICANS$"):
        dosing.dexamethasone(refractory=True, icans=True)


# --- the printed dose sheet (issue 15 item 6) ---------------------------------------------------

@pytest.mark.parametrize("lang", LANGS)
def test_printed_dose_sheet_has_handwritten_lines_and_no_text_below_10_pt(lang):
    page = print_samples.dose_sheet_html(lang)
    for label in ("患者姓名 / Name", "病历号 / MRN", "床号 / Bed"):
        assert f"<span>{label} <i></i></span>" in page  # an empty line for the pen, never a value
    sizes = print_samples.font_sizes_pt(page)
    assert sizes and min(sizes) >= 10, sizes
    assert "UTC+8" in page and "0.1.0" in page and "2026-03-01 09:30" in page
    assert "counter(pages)" in page  # a second page says so


@pytest.mark.parametrize(("lang", "warning"), [("en", "Dates missing: no infusion date entered"),
                                               ("zh", "日期未填:回输日期未输入")])
def test_dose_sheet_warns_iff_the_schedule_dates_are_missing(lang, warning):
    assert warning in print_samples.dose_sheet_html(lang, ("lymphodepletion",), infusion=None)
    assert warning not in print_samples.dose_sheet_html(lang, ("lymphodepletion",))
    assert warning not in print_samples.dose_sheet_html(lang, ("tocilizumab",), infusion=None)  # no schedule chosen


@pytest.mark.parametrize("selection", [*print_samples.TYPICAL.values(), None])
def test_every_selected_item_appears_on_the_sheet_and_no_other(selection):
    page = print_samples.dose_sheet_html("en", selection)
    every = print_samples.dose_sheet_html("en")
    for part in dose_sheet.PRESELECT["steroids"] + ("tocilizumab", "lymphodepletion", "crs_plan", "collection"):
        title = {"lymphodepletion": "Lymphodepletion · CT103A",
                 "crs_plan": "CRS management plan (Table 4) · grade 2"}.get(part, text("en", f"dosing.sheet.parts.{part}"))
        title_html = f"<div class='item'>{html.escape(title, quote=True)}</div>"
        assert title_html in every
        assert (title_html in page) == (selection is None or part in selection), part


def test_preselection_follows_where_the_user_came_from():
    available = ["tocilizumab", "toci_check", "dexamethasone", "levetiracetam", "lymphodepletion", "collection"]
    assert dose_sheet.preselected("lymphodepletion", available) == ["lymphodepletion"]
    assert dose_sheet.preselected("tocilizumab", available) == ["tocilizumab", "toci_check"]
    assert dose_sheet.preselected("steroids", available) == ["dexamethasone", "levetiracetam"]
    assert dose_sheet.preselected(None, available) == available
    assert dose_sheet.preselected("toxicity", available) == ["toci_check"]
    assert dose_sheet.preselected("lymphodepletion", ["tocilizumab"]) == ["tocilizumab"]  # nothing of LD computed


# --- the ICANS plan on the sheet, and /toxicity's sheet of its result cards (issue 15 item 6) --------
# Expected lines from the consensus, not from the code: Table 5 grade 2, without CRS (T5.2,
# icans_g2_no_crs): 「·支持治疗 ·地塞米松10 mg,每6 h 1次,静脉滴注;或甲泼尼龙1 mg/kg,每12 h 1次,静脉滴注」,
# so dexamethasone 10 mg IV q6h, or methylprednisolone 1 mg/kg × 70 kg = 70 mg IV q12h (one of the two).
# Table 4's note: tocilizumab 8 mg/kg, at most 800 mg: 68 kg → 544 mg, 27.2 mL of the 20 mg/mL concentrate.

ICE5 = dict(ice_score=5, consciousness="normal", seizure="none", motor_weakness="none", cerebral_edema="none")
NIGHT_NURSE = dict(max_temp_c=39.2, hypotension="one_vasopressor", hypoxia="low_flow")  # CRS grade 3 (T3.3)


def _icans_plan(weight: float | None, crs_grade=None):
    return plans.icans_management_plan(icans.assess_icans(icans.ICANSFindings(**ICE5)).grade, crs_grade, weight,
                                       [], datetime(2026, 3, 1, 9, 30))


@pytest.mark.parametrize(("lang", "title", "details"), [
    pytest.param("en", "ICANS management plan (Table 5) · grade 2",
                 ("Supportive care", "One of (Table 5):", "· Dexamethasone 10 mg IV q6h",
                  "· Methylprednisolone 70 mg IV q12h"), id="en-T5.2"),
    pytest.param("zh", "ICANS处理方案(表5) · 2级",
                 ("支持治疗", "二选一(表5):", "· 地塞米松 10 mg 静脉滴注 每6 h 1次", "· 甲泼尼龙 70 mg 静脉滴注 每12 h 1次"),
                 id="zh-T5.2"),
])
def test_icans_grade_2_plan_item_has_both_steroids_as_alternatives(lang, title, details):
    item = dose_sheet.item_from_management_plan(_icans_plan(70), lang)
    assert (item.part, item.title, item.details) == ("icans_plan", title, details)
    assert item.recommendation_ids == ("icans_g2_no_crs",) and item.missing == ()
    page = print_samples.render(lang, (item,))
    assert "地塞米松10 mg,每6 h 1次,静脉滴注" in page  # T5.2 quoted in full beside it


def test_icans_plan_item_without_weight_prints_the_rule_and_warns():
    item = dose_sheet.item_from_management_plan(_icans_plan(None), "en")
    assert item.details[2:] == ("· Dexamethasone 10 mg IV q6h",
                                "· Methylprednisolone 1 mg/kg IV q12h (enter the weight for the dose)")
    warning = ("Weight not entered: each per-kg dose is printed as its rule (mg/kg), without mg. Enter the weight, "
               "or work the dose out and write it in.")
    assert item.missing == (warning,)
    assert f"<div class='missing' role='alert'>{warning}</div>" in print_samples.render("en", (item,))


def test_crs_grade_3_plan_item_reads_and_or_under_its_heading_with_mg_and_ml():
    # Table 4 grade 3 (T4.3): 「密切监护,支持治疗,使用托珠单抗和(或)糖皮质激素(在托珠单抗静脉输注1~2次后低血压
    # 持续存在时,地塞米松可以每6 h 10 mg静脉滴注,如为难治性,增加至每6 h 20 mg静脉滴注)」; 8 mg/kg × 68 kg.
    plan = plans.crs_management_plan(Grade(grade=3, at_least=False, drivers=[], recommendation_ids=[]), 68)
    assert dose_sheet.item_from_management_plan(plan, "en").details == (
        "Close monitoring · Supportive care", "Tocilizumab and/or corticosteroids (Table 4):",
        "· Tocilizumab 544 mg / 27.2 mL IV",
        "· If hypotension persists after 1-2 tocilizumab infusions: dexamethasone 10 mg IV q6h (may be given)",
        "· If refractory: dexamethasone 20 mg IV q6h (may be given)")


def _cards(lang: str, weight: float | None, crs_findings: dict | None = NIGHT_NURSE, icans_findings: dict | None = ICE5):
    """The two cards as /toxicity builds them: assessment, plan from it, card from both."""
    now = datetime(2026, 3, 1, 9, 30)
    cf, f = crs.CRSFindings(**(crs_findings or {})), icans.ICANSFindings(**(icans_findings or {}))
    ca, a = crs.assess_crs(cf), icans.assess_icans(f)
    cp = plans.crs_management_plan(ca.grade, weight, [], now) if ca.grade.grade else None
    crs_g = ca.grade if crs_findings else None
    ip = plans.icans_management_plan(a.grade, crs_g, weight, [], now) if a.grade.grade else None
    return (cards.crs_card(cf, ca, cp, lang, "UTC+8"), cards.icans_card(f, None, a, ip, crs_g, lang, "UTC+8"))


@pytest.mark.parametrize(("lang", "badge", "set_by", "toci"), [
    pytest.param("en", "CRS grade 3", "Set by: fever 39.2 °C · hypotension needing one vasopressor",
                 "· Tocilizumab 544 mg / 27.2 mL (20 mg/mL) IV. Course: 0 dose(s) given; a dose is allowed now.",
                 id="en-T3.3-T4.3"),
    pytest.param("zh", "CRS 3级", "分级依据: 发热 39.2 °C · 低血压,需一种升压药",
                 "· 托珠单抗 544 mg / 27.2 mL (20 mg/mL) 静脉滴注。本疗程已用0次;现在可给药。", id="zh-T3.3-T4.3"),
])
def test_crs_card_item_has_grade_what_set_it_and_the_dose_in_mg_and_ml(lang, badge, set_by, toci):
    crs_card, _ = _cards(lang, 68)
    item = dose_sheet.item_from_result_card(crs_card)
    assert (item.part, item.dose) == ("crs_plan", badge)
    assert item.details[0] == set_by and toci in item.details
    # the plan's rows quoted in full (T4.3 and Table 4's tocilizumab note), the grade's row (T3.3) by its place
    assert item.recommendation_ids == ("crs_mgmt_grade_3", "tocilizumab_dosing", "crs_grade_3")
    assert item.full_quotes == 2 and item.missing == ()


def test_toxicity_sheet_starts_with_the_tab_printed_from():
    crs_card, icans_card = _cards("en", 68)
    results = [(crs_card, 68.0), (icans_card, 68.0)]
    now = datetime(2026, 3, 1, 9, 30)
    from_crs = dose_sheet.toxicity_sheet(results, "crs", generated_at=now, version="0.1.0")
    from_icans = dose_sheet.toxicity_sheet(results, "icans", generated_at=now, version="0.1.0")
    assert [i.part for i in from_crs.items] == ["crs_plan", "icans_plan"]
    assert [i.part for i in from_icans.items] == ["icans_plan", "crs_plan"]
    icans_item = from_icans.items[0]
    assert icans_item.dose == "ICANS grade 2"
    assert "With concurrent CRS (grade 3): Table 5's with-CRS column." in icans_item.details
    either = icans_item.details.index("One of (Table 5):")
    assert icans_item.details[either + 1:either + 3] == ("· Dexamethasone 10 mg IV q6h",
                                                         "· Methylprednisolone 68 mg IV q12h")
    page = dose_sheet.render_html(from_icans)
    assert page.index("ICANS grade 2") < page.index("CRS grade 3")
    for quote in ("·地塞米松10 mg,每6 h 1次,静脉滴注", "·若并发≥2级CRS,考虑将患者转移至ICU",  # T5.2, both columns
                  "地塞米松可以每6 h 10 mg静脉滴注", "托珠单抗用法为8 mg/kg(单次剂量不超过800 mg)"):  # T4.3, T4 note
        assert quote in page, quote
    assert "<h1>CAR-T MM toxicity management sheet</h1>" in page and "Patient: weight 68 kg</p>" in page
    assert "<span>患者姓名 / Name <i></i></span>" in page and "class='missing'" not in page
    sizes = print_samples.font_sizes_pt(page)
    assert sizes and min(sizes) >= 10


@pytest.mark.parametrize(("lang", "line"), [
    ("en", "ICANS not assessed: nothing entered on the page, so no management is printed for it."),
    ("zh", "ICANS未评估:页面上未录入任何表现,故未打印其处理。"),
])
def test_toxicity_sheet_says_what_was_not_assessed(lang, line):
    crs_card, icans_card = _cards(lang, 68, icans_findings=None)
    sheet = dose_sheet.toxicity_sheet([(crs_card, 68.0), (icans_card, 68.0)], "crs",
                                      generated_at=datetime(2026, 3, 1, 9, 30), version="0.1.0")
    assert sheet.items[1].details == (line,)
    assert dose_sheet.missing_data(sheet) == [line]
    assert f"<div class='missing' role='alert'>{line}</div>" in dose_sheet.render_html(sheet)


def test_toxicity_sheet_warns_of_what_each_card_lacks():
    crs_card, icans_card = _cards("en", None, crs_findings={"max_temp_c": 38.0}, icans_findings={"ice_score": 5})
    sheet = dose_sheet.toxicity_sheet([(crs_card, None), (icans_card, None)], "icans",
                                      generated_at=datetime(2026, 3, 1, 9, 30), version="0.1.0")
    assert [i.dose for i in sheet.items] == ["ICANS at least grade 2", "CRS at least grade 1"]
    assert dose_sheet.missing_data(sheet) == [
        "ICANS: Not assessed: consciousness, seizure, motor weakness, raised ICP / cerebral oedema; "
        "the grade could be up to 4.",
        "Weight not entered: each per-kg dose is printed as its rule (mg/kg), without mg. Enter the weight, "
        "or work the dose out and write it in.",
        "CRS: Not assessed: hypotension, oxygen; the grade could be up to 4."]


def test_toxicity_sheet_refuses_cards_not_built_together():
    crs_card, icans_card = _cards("en", 68)
    _, icans_zh = _cards("zh", 68)
    now = datetime(2026, 3, 1, 9, 30)
    for results in ([(crs_card, 68.0), (icans_card, 70.0)], [(crs_card, 68.0), (icans_zh, 68.0)],
                    [(crs_card, 68.0), (crs_card, 68.0)], []):
        with pytest.raises(ValueError):
            dose_sheet.toxicity_sheet(results, "crs", generated_at=now, version="0.1.0")


def test_first_from_puts_the_origin_first_and_keeps_the_rest():
    assert dose_sheet.first_from("icans", ["crs_plan", "icans_plan"]) == ["icans_plan", "crs_plan"]
    assert dose_sheet.first_from("crs", ["crs_plan", "icans_plan"]) == ["crs_plan", "icans_plan"]
    assert dose_sheet.first_from(None, ["icans_plan", "crs_plan"]) == ["icans_plan", "crs_plan"]
    assert dose_sheet.first_from("tocilizumab", ["dexamethasone", "toci_check"]) == ["toci_check", "dexamethasone"]


# --- the refusals' exact reasons at their edges (mutation survivors, issue 18) ---------------------

@pytest.mark.parametrize(("weight", "kind", "message"), [
    (0.5, "weight_below_adult", "Weight 0.5 kg is below 30 kg: outside this adult consensus; use paediatric guidance."),
    (300000, "weight_grams", "Weight 300000 looks like grams; enter kilograms (300 kg?)."),
    (300001, "weight_above_max", "Weight 300001 kg is above 300 kg; check the value and unit."),
    (68450, "weight_grams", "Weight 68450 looks like grams; enter kilograms (68.5 kg?)."),
    (1000000, "weight_above_max", "Weight 1000000 kg is above 300 kg; check the value and unit."),
])
def test_weight_refusal_reason_at_each_edge(weight, kind, message):
    with pytest.raises(ValidationError) as e:
        dosing.tocilizumab(weight)
    err = e.value.errors()[0]
    assert (err["type"], err["msg"]) == (kind, message)


@pytest.mark.parametrize(("height", "kind", "message"), [
    (1.7055, "height_metres", "Height 1.7055 looks like metres; enter centimetres (170.6 cm?)."),
    (1705.5, "height_millimetres", "Height 1705.5 looks like millimetres; enter centimetres (170.6 cm?)."),
])
def test_height_refusal_reason_rounds_to_one_decimal(height, kind, message):
    with pytest.raises(ValidationError) as e:
        dosing.body_surface_area(height, 70)
    err = e.value.errors()[0]
    assert (err["type"], err["msg"]) == (kind, message)


def test_every_table1_row_has_its_recommendation():
    """Each Table 1 row's dose rests on a recommendation of that row (so cell_doses's "" default is never used)."""
    doses = dosing.cell_doses(70)
    assert doses and all(d.recommendation_id for d in doses)
