"""Fuzzing every public `logic` entry point of the contract (../shared/contract/logic-api.md).

Thousands of generated inputs per entry point, valid and invalid alike (out of range, NaN and
infinities, wrong types, unknown literals): the only exception ever allowed is
pydantic.ValidationError (KeyError for content.recommendation, as the contract says), and
the clinical invariants hold on every accepted input:
- tocilizumab never above 800 mg per dose; a course never beyond its rules;
- every grade within 0-4; a worse finding never lowers a grade; stating an unassessed input
  never lowers an "at least" grade (and a grade not marked "at least" never changes);
- the earliest apheresis date is never before the last exposure (nor before its window ends).

Example counts are fixed per test (EXAMPLES below) so the file runs in well under a minute on
a shared 2-core machine; `derandomize` keeps a CI run reproducible.
"""

from __future__ import annotations

import math
import os
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from logic import assistant, content
from logic.crs import CRSFindings, crs_escalation_alert, grade_crs
from logic.dosing import (
    body_surface_area,
    creatinine_clearance,
    dexamethasone_dose,
    lymphodepletion,
    lymphodepletion_regimens,
    methylprednisolone_dose,
    tocilizumab_dose,
    tocilizumab_next,
)
from logic.eligibility import ApheresisLabs, Baseline, apheresis_check, earliest_apheresis, evaluate
from logic.followup import ivig_decision, schedule
from logic.icans import ICANSFindings, ICEItems, grade_icans, icans_management, ice_score
from logic.relapse import RelapseContext, relapse_options

# Examples per test: sized for < 60 s for the whole file on a loaded 2-core machine. Fewer than
# before the strategies drew mostly accepted inputs (each accepted one runs the clinical logic).
MANY, SOME, FEW = 1000, 500, 300


def _settings(n: int):
    return settings(max_examples=n, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


# --- generic strategies ---------------------------------------------------------------------------

WEIRD_FLOATS = st.sampled_from([math.nan, math.inf, -math.inf, -0.0, 1e308, -1e308, 5e-324])
# st.one_of flattens nested one_ofs into equal branches: JUNK is mapped (not flattened) so that
# `st.one_of(st.booleans(), JUNK)` draws a boolean half of the time, not one time in thirteen.
JUNK = st.one_of(
    st.none(), st.booleans(), st.text(max_size=8), st.binary(max_size=4), st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2), st.just(object()), WEIRD_FLOATS,
    st.integers(min_value=-(10**30), max_value=10**30), st.dates(), st.just(complex(1, 1)),
).map(lambda x: x)


def number(lo: float, hi: float):
    """Numbers in [lo, hi] (half of the draws), around it (both sides), sometimes anything at all."""
    span = hi - lo
    inside = st.floats(min_value=lo, max_value=hi, allow_nan=False)
    return st.one_of(inside, st.one_of(
        st.floats(min_value=lo - span, max_value=hi + span, allow_nan=False),
        st.integers(min_value=int(lo - span) - 1, max_value=int(hi + span) + 1),
        st.sampled_from([lo, hi, lo - 1e-9, hi + 1e-9, 0, -1]),
        JUNK,
    ).map(lambda x: x))


def maybe(values):
    return st.one_of(st.none(), st.sampled_from(values), JUNK) if isinstance(values, list) \
        else st.one_of(st.none(), values)


NAIVE_TIMES = st.datetimes(min_value=datetime(2015, 1, 1), max_value=datetime(2035, 12, 31))
ANY_TIMES = st.one_of(
    NAIVE_TIMES, NAIVE_TIMES.map(lambda d: d.replace(tzinfo=UTC)),
    st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)), JUNK)


TRIED: Counter = Counter()  # attempts / acceptances of the running test (reset per test below)


def attempt(fn, *args, **kwargs):
    """The result, or None when the input was refused with a ValidationError. Anything else
    propagates and fails the test (hypothesis then shrinks it to the smallest bad input).
    Counted, so a test can show that it did not pass by refusing everything."""
    TRIED["tried"] += 1
    try:
        result = fn(*args, **kwargs)
    except ValidationError:
        return None
    TRIED["accepted"] += 1
    return result


# Minimum share of attempts accepted, per fuzz property (about half of what was drawn when measured): a
# function that refused every input would fail here instead of passing every property.
MIN_ACCEPTED = {
    "test_grade_crs_refuses_only_with_a_validation_error": 0.06,
    "test_crs_escalation_alert_is_12_hours_without_improvement": 0.025,
    "test_ice_score_is_the_sum_of_items_within_their_maxima": 0.3,
    "test_grade_icans_refuses_only_with_a_validation_error": 0.04,
    "test_icans_management_names_existing_entries": 0.008,
    "test_tocilizumab_never_above_800_mg": 0.12,
    "test_tocilizumab_course_rules": 0.03,
    "test_dexamethasone": 0.004,
    "test_methylprednisolone": 0.2,
    "test_body_surface_area": 0.25,
    "test_creatinine_clearance": 0.25,
    "test_lymphodepletion": 0.25,
    "test_evaluate_verdict_follows_the_items": 0.025,
    "test_apheresis_check": 0.012,
    "test_washout_never_before_the_last_exposure": 0.15,
    "test_washout_at_each_window_edge": 0.99,
    "test_relapse_options": 0.12,
    "test_schedule": 0.2,
    "test_ivig_decision": 0.2,
}


@pytest.fixture(autouse=True)
def _accepted_share(request):
    TRIED.clear()
    yield
    name = request.node.originalname
    if os.environ.get("ROBUSTNESS_SHARES"):  # to re-measure the shares after a strategy changes
        print(f"\nSHARE {name} {TRIED['accepted']} {TRIED['tried']}")
        return
    if name in MIN_ACCEPTED:
        share = TRIED["accepted"] / max(TRIED["tried"], 1)
        assert TRIED["tried"] and share >= MIN_ACCEPTED[name], (
            f"{name}: only {TRIED['accepted']} of {TRIED['tried']} inputs accepted ({share:.0%})")


def test_every_fuzz_property_that_attempts_has_a_minimum_share():
    import inspect
    import sys

    module = sys.modules[__name__]
    using = {n for n, f in vars(module).items() if n.startswith("test_") and callable(f)
             and "= attempt(" in inspect.getsource(f)} - {"test_every_fuzz_property_that_attempts_has_a_minimum_share"}
    assert using == set(MIN_ACCEPTED)


# --- CRS ---------------------------------------------------------------------------------------------

HYPOTENSION = ["none", "no_vasopressor", "one_vasopressor", "multiple_vasopressors"]
HYPOXIA = ["none", "low_flow", "high_flow", "positive_pressure"]
CRS_FIELDS = {
    "max_temp_c": st.one_of(st.none(), st.floats(min_value=30, max_value=45), number(30, 45)),
    "fever_before_masking": st.one_of(st.booleans(), JUNK),
    "hypotension": maybe(HYPOTENSION),
    "hypoxia": maybe(HYPOXIA),
}
VALID_CRS = st.fixed_dictionaries({
    "max_temp_c": st.one_of(st.none(), st.floats(min_value=30, max_value=45),
                            st.sampled_from([37.9, 37.99, 38.0, 38.01])),
    "fever_before_masking": st.booleans(),
    "hypotension": st.one_of(st.none(), st.sampled_from(HYPOTENSION)),
    "hypoxia": st.one_of(st.none(), st.sampled_from(HYPOXIA)),
})


def _crs(d: dict):
    return grade_crs(CRSFindings(**d))


def _check_grade(g) -> None:
    assert 0 <= g.grade <= 4, g
    assert all(isinstance(r, str) for r in g.recommendation_ids)
    for rec_id in g.recommendation_ids:
        content.recommendation(rec_id)


@_settings(MANY)
@given(st.fixed_dictionaries({}, optional=CRS_FIELDS), st.one_of(st.none(), JUNK))
def test_grade_crs_refuses_only_with_a_validation_error(fields, junk):
    findings = attempt(CRSFindings, **fields)
    if findings is not None:
        _check_grade(grade_crs(findings))
    for arg in (fields, junk):  # a dict or anything at all, straight into the function
        result = attempt(grade_crs, arg)
        if result is not None:
            _check_grade(result)


def _completions(d: dict) -> list[dict]:
    """Every way of stating the inputs left unassessed (temperature by band representatives)."""
    out = [dict(d)]
    options = {"max_temp_c": [36.5, 37.99, 38.0, 41.0], "hypotension": HYPOTENSION, "hypoxia": HYPOXIA}
    for field, values in options.items():
        if d[field] is None:
            out = [{**o, field: v} for o in out for v in values]
    return out


@_settings(SOME)
@given(VALID_CRS)
@example({"max_temp_c": 37.99, "fever_before_masking": False, "hypotension": None, "hypoxia": None})
@example({"max_temp_c": 38.0, "fever_before_masking": False, "hypotension": None, "hypoxia": "none"})
def test_crs_stating_an_unassessed_input_never_lowers_the_grade(d):
    g = _crs(d)
    for full in _completions(d):
        stated = _crs(full)
        assert stated.grade >= g.grade, (d, full)
        if not g.at_least:
            assert stated.grade == g.grade, f"{d} is not 'at least' yet {full} changes it"
    if all(d[k] is not None for k in ("max_temp_c", "hypotension", "hypoxia")):
        assert not g.at_least


@_settings(SOME)
@given(VALID_CRS, st.sampled_from(["max_temp_c", "fever_before_masking", "hypotension", "hypoxia"]),
       st.data())
def test_crs_a_worse_finding_never_lowers_the_grade(d, field, data):
    current = d[field]
    if field == "max_temp_c":
        if current is None:
            return
        worse = data.draw(st.floats(min_value=current, max_value=45))
    elif field == "fever_before_masking":
        worse = True
    else:
        order = HYPOTENSION if field == "hypotension" else HYPOXIA
        if current is None:
            return
        worse = data.draw(st.sampled_from(order[order.index(current):]))
    assert _crs({**d, field: worse}).grade >= _crs(d).grade, (d, field, worse)


ELAPSED = st.one_of(st.timedeltas(timedelta(0), timedelta(hours=48)),
                    st.sampled_from([timedelta(hours=12) - timedelta(minutes=1), timedelta(hours=12),
                                     timedelta(hours=12, minutes=1)]))  # P15 「12 h内」 ±1 min


@_settings(MANY)
@given(st.one_of(st.tuples(NAIVE_TIMES, ANY_TIMES), NAIVE_TIMES.flatmap(lambda t: ELAPSED.map(lambda d: (t, t + d)))),
       st.one_of(st.booleans(), st.booleans(), JUNK))
def test_crs_escalation_alert_is_12_hours_without_improvement(times, improved):
    first, now = times
    alert = attempt(crs_escalation_alert, first, now, improved)
    if alert is None:
        return
    assert isinstance(alert, bool)
    if isinstance(first, datetime) and isinstance(now, datetime) and isinstance(improved, bool):
        assert alert == (not improved and now - first >= timedelta(hours=12))


# --- ICANS ---------------------------------------------------------------------------------------

ICE_MAX = {"orientation": 4, "naming": 3, "command": 1, "writing": 1, "attention": 1}
CONSCIOUSNESS = ["normal", "awakens_spontaneously", "awakens_to_voice", "awakens_to_touch", "unarousable"]
SEIZURE = ["none", "resolved_rapidly", "prolonged_or_repetitive"]
MOTOR = ["none", "deep_focal"]
EDEMA = ["none", "focal", "diffuse"]
ICANS_ORDER = {"consciousness": CONSCIOUSNESS, "seizure": SEIZURE, "motor_weakness": MOTOR, "cerebral_edema": EDEMA}
VALID_ICANS = st.fixed_dictionaries({
    "ice_score": st.one_of(st.none(), st.integers(0, 10), st.sampled_from([2, 3, 6, 7])),
    **{k: st.one_of(st.none(), st.sampled_from(v)) for k, v in ICANS_ORDER.items()},
})


@_settings(MANY)
@given(st.one_of(st.fixed_dictionaries({k: st.integers(0, hi) for k, hi in ICE_MAX.items()}),
                 st.fixed_dictionaries({}, optional={k: st.one_of(st.integers(-3, 6), number(0, hi))
                                                     for k, hi in ICE_MAX.items()})))
def test_ice_score_is_the_sum_of_items_within_their_maxima(items):
    score = attempt(ice_score, items)
    model = attempt(ICEItems, **items)
    if score is None:
        return
    assert 0 <= score <= 10
    assert model is not None and score == sum(getattr(model, k) for k in ICE_MAX)
    assert all(0 <= getattr(model, k) <= hi for k, hi in ICE_MAX.items())


@_settings(MANY)
@given(st.fixed_dictionaries({}, optional={"ice_score": st.one_of(st.integers(-2, 12), number(0, 10)),
                                           **{k: maybe(v) for k, v in ICANS_ORDER.items()}}),
       st.one_of(st.none(), JUNK))
def test_grade_icans_refuses_only_with_a_validation_error(fields, junk):
    for arg in (fields, junk):
        result = attempt(grade_icans, arg)
        if result is not None:
            _check_grade(result)


def _icans(d: dict):
    return grade_icans(ICANSFindings(**d))


@_settings(SOME)
@given(VALID_ICANS)
def test_icans_stating_an_unassessed_input_never_lowers_the_grade(d):
    g = _icans(d)
    out = [dict(d)]
    for field, values in {"ice_score": list(range(11)), **ICANS_ORDER}.items():
        if d[field] is None:
            out = [{**o, field: v} for o in out for v in values]
    for full in out:
        stated = _icans(full).grade
        assert stated >= g.grade, (d, full)
        if not g.at_least:
            assert stated == g.grade, f"{d} is not 'at least' yet {full} changes it"


@_settings(SOME)
@given(VALID_ICANS, st.sampled_from(["ice_score", *ICANS_ORDER]), st.data())
def test_icans_a_worse_finding_never_lowers_the_grade(d, field, data):
    current = d[field]
    if current is None:
        return
    if field == "ice_score":
        worse = data.draw(st.integers(0, current))  # a lower ICE score is worse
    else:
        order = ICANS_ORDER[field]
        worse = data.draw(st.sampled_from(order[order.index(current):]))
    assert _icans({**d, field: worse}).grade >= _icans(d).grade, (d, field, worse)


@_settings(MANY)
@given(st.one_of(st.integers(-2, 6), JUNK), st.one_of(st.integers(-2, 6), JUNK))
def test_icans_management_names_existing_entries(icans_grade, crs_grade):
    ids = attempt(icans_management, icans_grade, crs_grade)
    if ids is None:
        return
    assert isinstance(ids, list) and all(isinstance(i, str) for i in ids)
    for rec_id in ids:
        content.recommendation(rec_id)
    if isinstance(icans_grade, int) and not isinstance(icans_grade, bool) and icans_grade >= 1:
        assert ids, f"ICANS grade {icans_grade} with no management entry"


# --- dosing ------------------------------------------------------------------------------------------

@_settings(MANY)
@given(st.one_of(number(30, 300), st.sampled_from([99.9, 100, 100.1]), st.floats(99, 101)))
@example(99.9)
@example(100)
@example(100.1)
def test_tocilizumab_never_above_800_mg(weight):
    dose = attempt(tocilizumab_dose, weight)
    if dose is None:
        return
    assert 0 < dose.amount <= 800
    assert dose.unit == "mg"
    w = float(weight)
    assert 30 <= w <= 300
    assert dose.capped == (8 * w > 800)
    assert abs(dose.amount - min(8 * w, 800)) <= 0.5


DOSE_TIMES = st.lists(NAIVE_TIMES, max_size=6)


@_settings(MANY)
@given(st.one_of(DOSE_TIMES, DOSE_TIMES.map(sorted), st.lists(ANY_TIMES, max_size=3), JUNK),
       st.one_of(NAIVE_TIMES, ANY_TIMES))
def test_tocilizumab_course_rules(given_times, now):
    check = attempt(tocilizumab_next, given_times, now)
    if check is None:
        return
    assert check.doses_total == len(given_times)
    if not (isinstance(now, datetime) and all(isinstance(t, datetime) for t in given_times)):
        return  # accepted by pydantic's lax coercion (e.g. a Unix time); the rules are checked below
    given_times = list(given_times)
    assert check.doses_total == len(given_times) <= 4 or not check.allowed
    if len(given_times) >= 4:
        assert not check.allowed and check.earliest is None
    if given_times:
        assert check.earliest is None or check.earliest >= given_times[-1] + timedelta(hours=8)
    if check.allowed:
        # 8 h since the last dose, and fewer than 3 doses (product labels) in the 24 h before now.
        assert not given_times or now - given_times[-1] >= timedelta(hours=8)
        assert sum(now - t < timedelta(hours=24) for t in given_times) < 3
        assert len(given_times) < 4
    if check.earliest is not None and len(given_times) < 4:
        assert check.allowed == (now >= check.earliest)


@_settings(FEW)
@given(st.one_of(st.booleans(), JUNK))
def test_dexamethasone(refractory):
    dose = attempt(dexamethasone_dose, refractory)
    if dose is not None:
        assert dose.amount in (10, 20) and dose.unit == "mg" and dose.frequency == "q6h"
        if isinstance(refractory, bool):
            assert dose.amount == (20 if refractory else 10)


@_settings(MANY)
@given(st.one_of(st.tuples(st.floats(30, 300), st.booleans()), st.tuples(st.none(), st.just(True)),
                 st.tuples(st.one_of(st.none(), number(30, 300)), st.one_of(st.booleans(), JUNK))))
def test_methylprednisolone(args):
    weight, high_dose = args
    dose = attempt(methylprednisolone_dose, weight, high_dose)
    if dose is None:
        return
    assert dose.unit == "mg"
    if dose.frequency == "daily":
        assert dose.amount == 1000
    else:
        assert 30 - 0.5 <= dose.amount <= 300 + 0.5  # 1 mg/kg for 30-300 kg
        assert abs(dose.amount - float(weight)) <= 0.5


@_settings(MANY)
@given(st.one_of(st.tuples(st.floats(100, 230), st.floats(30, 300), st.sampled_from(["mosteller", "dubois"])),
                 st.tuples(number(100, 230), number(30, 300), st.one_of(st.sampled_from(["mosteller", "dubois"]), JUNK))))
def test_body_surface_area(args):
    height, weight, formula = args
    bsa = attempt(body_surface_area, height, weight, formula)
    if bsa is None:
        return
    assert math.isfinite(bsa) and 0.5 < bsa < 5.0, (height, weight, formula, bsa)


@_settings(MANY)
@given(st.one_of(
    st.tuples(st.integers(18, 120), st.floats(30, 300), st.sampled_from(["male", "female"]),
              st.one_of(st.tuples(st.floats(0.1, 22), st.just("mg/dL")), st.tuples(st.floats(10, 2000), st.just("umol/L")))),
    st.tuples(st.one_of(st.integers(0, 130), JUNK), number(30, 300), st.one_of(st.sampled_from(["male", "female"]), JUNK),
              st.tuples(st.one_of(number(0.1, 22), number(10, 2000)),
                        st.one_of(st.sampled_from(["umol/L", "mg/dL"]), JUNK)))))
def test_creatinine_clearance(args):
    age, weight, sex, (creatinine, unit) = args
    crcl = attempt(creatinine_clearance, age, weight, sex, creatinine, unit)
    if crcl is None:
        return
    assert math.isfinite(crcl) and crcl > 0, (age, weight, sex, creatinine, unit, crcl)


@_settings(SOME)
@given(st.one_of(
    st.tuples(st.sampled_from(lymphodepletion_regimens()), st.floats(100, 230), st.floats(30, 300),
              st.sampled_from(["mosteller", "dubois"])),
    st.tuples(st.one_of(st.sampled_from(lymphodepletion_regimens()), st.text(max_size=10), JUNK),
              number(100, 230), number(30, 300), st.one_of(st.sampled_from(["mosteller", "dubois"]), JUNK))))
def test_lymphodepletion(args):
    regimen, height, weight, formula = args
    doses = attempt(lymphodepletion, regimen, height, weight, formula)
    if doses is None:
        return
    assert regimen in lymphodepletion_regimens()
    assert doses and all(math.isfinite(d.amount_mg) and d.amount_mg > 0 and d.day < 0 for d in doses)
    for d in doses:
        content.recommendation(d.recommendation_id)


# --- eligibility, apheresis, washout -------------------------------------------------------------

BOOL_FIELDS = ["active_infection", "pregnant_or_lactating", "active_hbv", "active_hcv", "active_tuberculosis",
               "unstable_vital_signs", "psychiatric_barrier", "product_allergy", "major_organ_dysfunction",
               "cardiac_amyloidosis", "atrial_fibrillation", "renal_impairment", "cns_disease",
               "implanted_devices"]
BASELINE_FIELDS = {
    "kps": st.one_of(st.sampled_from(list(range(0, 101, 10))), number(0, 100)),
    "ecog": st.one_of(st.integers(0, 5), number(0, 5)),
    "lvef_pct": number(5, 90), "alt_x_uln": number(0, 100), "ast_x_uln": number(0, 100),
    "bilirubin": number(0, 400), "bilirubin_unit": maybe(["umol/L", "mg/dL", "g/L"]),
    "spo2_pct": number(50, 100), "life_expectancy_weeks": number(0, 1040),
    **{k: st.one_of(st.none(), st.booleans(), JUNK) for k in BOOL_FIELDS},
}
STATUSES = {"met", "not_met", "caution", "unknown"}


@_settings(MANY)
@given(st.fixed_dictionaries({}, optional=BASELINE_FIELDS), JUNK)
def test_evaluate_verdict_follows_the_items(fields, junk):
    attempt(evaluate, junk)
    baseline = attempt(Baseline, **fields)
    report = attempt(evaluate, fields)  # a dict straight into the function, validated the same way
    assert (baseline is None) == (report is None)
    if report is None:
        return
    statuses = {i.status for i in report.items}
    assert statuses <= STATUSES
    expected = ("not_eligible" if "not_met" in statuses else "incomplete" if "unknown" in statuses
                else "needs_review" if "caution" in statuses else "eligible")
    assert report.verdict == expected
    for item in report.items:
        content.recommendation(item.recommendation_id)
    if not fields:
        assert report.verdict == "incomplete"  # nothing assessed is never "eligible"


@_settings(MANY)
@given(st.fixed_dictionaries({}, optional={"hgb_g_l": st.one_of(number(20, 250), st.sampled_from([79.9, 80, 80.1])),
                                           "plt_10e9_l": st.one_of(number(0, 2000), st.sampled_from([49.9, 50, 50.1])),
                                           "alc_per_ul": number(0, 5000), "cd3_per_ul": number(0, 5000),
                                           "cytopenia_from_progression": st.one_of(st.booleans(), JUNK)}))
def test_apheresis_check(fields):
    attempt(apheresis_check, fields.get("hgb_g_l"))  # a wrong type: refused, never a crash
    items = attempt(apheresis_check, fields)
    if items is None:
        assert attempt(ApheresisLabs, **fields) is None
        return
    assert items and {i.status for i in items} <= STATUSES
    by_id = {i.id: i.status for i in items}
    labs = ApheresisLabs(**fields)
    for key, item_id, minimum in (("hgb_g_l", "hgb", 80), ("plt_10e9_l", "plt", 50)):  # P10 HGB>80, PLT>50
        value = getattr(labs, key)
        if value is not None:
            expected = "met" if value > minimum else "caution" if labs.cytopenia_from_progression else "not_met"
            assert by_id[item_id] == expected, (key, value)
    if not any(fields.get(k) is not None for k in ("hgb_g_l", "plt_10e9_l", "alc_per_ul", "cd3_per_ul")):
        assert all(i.status == "unknown" for i in items)


WINDOWS = {"anti_t_cell_antibody": 56 * 24, "donor_lymphocyte_infusion": 56 * 24, "cns_radiotherapy": 56 * 24,
           "combination_chemotherapy": 14 * 24, "lenalidomide": 14 * 24, "bortezomib": 14 * 24,
           "vincristine": 7 * 24, "therapeutic_corticosteroids": 72}
NOW = datetime(2026, 6, 1, 12, 0)
PAST = st.datetimes(min_value=datetime(2016, 1, 1), max_value=NOW)


@_settings(MANY)
@given(st.one_of(st.dictionaries(st.sampled_from(list(WINDOWS)), st.one_of(PAST, PAST.map(lambda d: d.date())),
                                 max_size=5),
                 st.dictionaries(st.one_of(st.sampled_from(list(WINDOWS)), st.text(max_size=6)),
                                 st.one_of(PAST, PAST.map(lambda d: d.date()), ANY_TIMES), max_size=5),
                 JUNK))
def test_washout_never_before_the_last_exposure(exposures):
    window = attempt(earliest_apheresis, exposures, now=NOW)
    if window is None:
        return
    if not isinstance(exposures, dict):
        assert not exposures and window.binding is None  # None or an empty value: nothing to wait for
        return
    assert set(exposures) <= set(WINDOWS), "an unknown exposure key was accepted"
    for key, last in exposures.items():
        moment = last if isinstance(last, datetime) else datetime.combine(last, datetime.min.time())
        assert window.earliest >= moment, (key, last, window.earliest)
        assert window.earliest >= moment + timedelta(hours=WINDOWS[key]), (key, last, window.earliest)
    if exposures:
        assert window.binding in exposures


@_settings(FEW)
@given(st.sampled_from(list(WINDOWS)), PAST, st.sampled_from([-1, 0, 1]))
def test_washout_at_each_window_edge(key, last, minutes):
    # P11: 8 weeks / 2 weeks / 1 week / 72 h; one minute before the end is not yet clear.
    clear = last + timedelta(hours=WINDOWS[key])
    window = attempt(earliest_apheresis, {key: last}, now=clear + timedelta(minutes=minutes))
    assert window is not None and window.earliest == clear
    assert window.items[0].status == ("not_met" if minutes < 0 else "met")


# --- relapse, follow-up, IVIG -------------------------------------------------------------------------

TARGETS = ["GPRC5D", "CS1", "CD19", "CD38", "CD138"]
BCMA_PRODUCTS = {"humanized_or_fully_human_bcma", "dual_target", "gamma_secretase_inhibitor"}
OPTION_IDS = {"humanized_or_fully_human_bcma", "dual_target", "other_target", "gamma_secretase_inhibitor",
              "different_costimulatory_domain", "evaluate_t_cell_function", "extend_washout", "allogeneic_car_t",
              "clinical_trial", "previously_sensitive_drugs", "new_drugs_or_combinations"}


@_settings(MANY)
@given(st.one_of(st.fixed_dictionaries(
    {"antigen": st.sampled_from(["positive", "low", "negative", "unknown"])},
    optional={"prior_car_origin": st.sampled_from(["murine", "humanized", "fully_human", "unknown"]),
              "poor_persistence": st.booleans(),
              "other_targets": st.lists(st.sampled_from(TARGETS), max_size=4, unique=True)}), st.fixed_dictionaries(
    {"antigen": st.one_of(st.sampled_from(["positive", "low", "negative", "unknown"]), JUNK)},
    optional={"prior_car_origin": maybe(["murine", "humanized", "fully_human", "unknown"]),
              "poor_persistence": st.one_of(st.booleans(), st.booleans(), JUNK),
              "other_targets": st.one_of(st.lists(st.sampled_from(TARGETS), max_size=4, unique=True),
                                         st.lists(st.sampled_from([*TARGETS, "BCMA", "cd19"]), max_size=4), JUNK)})))
def test_relapse_options(fields):
    attempt(relapse_options, fields.get("antigen"))  # a wrong type: refused, never a crash
    options = attempt(relapse_options, fields)
    if options is None:
        return
    ctx = RelapseContext(**fields)
    ids = [o.id for o in options]
    assert set(ids) <= OPTION_IDS and len(ids) == len(set(ids))
    assert {"clinical_trial", "previously_sensitive_drugs", "new_drugs_or_combinations"} <= set(ids)
    if ctx.antigen == "negative":
        assert not set(ids) & BCMA_PRODUCTS, "a BCMA product offered for an antigen-negative relapse"
    for o in options:
        content.recommendation(o.recommendation_id)


@_settings(SOME)
@given(st.one_of(
    st.tuples(st.dates(min_value=date(2016, 1, 1), max_value=date(2027, 6, 1)), st.booleans(), st.integers(1, 120)),
    st.tuples(st.one_of(st.dates(min_value=date(2010, 1, 1), max_value=date(2030, 12, 31)), JUNK),
              st.one_of(st.booleans(), JUNK), st.one_of(st.integers(-2, 130), JUNK))))
def test_schedule(args):
    infusion, extramedullary, months = args
    visits = attempt(schedule, infusion, extramedullary, months, today=date(2026, 6, 1))
    if visits is None:
        return
    assert visits
    dates = [v.date for v in visits]
    assert dates == sorted(dates) and dates[0] > infusion
    assert (dates[0] - infusion).days == 14 and (dates[1] - infusion).days == 28
    for v in visits:
        content.recommendation(v.recommendation_id)


IGG_EDGES = [3.99, 4, 4.01, 5.99, 6, 6.01]  # P18 「IgG<4 g/L」, 「4~6 g/L」, 「>6 g/L」


@_settings(MANY)
@given(st.one_of(st.tuples(st.one_of(st.sampled_from(IGG_EDGES), st.floats(3, 7), st.floats(0, 60)), st.booleans()),
                 st.tuples(number(0, 60), st.one_of(st.booleans(), JUNK))))
@example((3.99, False))
@example((4, False))
@example((4, True))
@example((6, True))
@example((6.01, True))
def test_ivig_decision(args):
    igg, infection = args
    decision = attempt(ivig_decision, igg, infection)
    if decision is None:
        return
    assert decision in ("replace", "assess_further", "monitor")
    value = float(igg)
    assert 0 <= value <= 60
    if isinstance(infection, bool):
        expected = ("replace" if value < 4 or (infection and value <= 6)
                    else "assess_further" if infection else "monitor")
        assert decision == expected, (igg, infection)


# --- assistant and content ---------------------------------------------------------------------------

WARD_WORDS = ["tocilizumab", "toci", "托珠", "地米", "MP", "LEV", "ICE", "CRS", "ICANS", "升压药", "高流量",
              "BiPAP", "来那度胺", "硼替佐米", "长春新碱", "回输", "输注", "IgG", "阴性", "低表达", "kg", "cm",
              "°C", "°F", "g/L", "mg/dL", "2026-01-10", "1月10日", "10/01/2026", "体温", "吸氧", "CT103A",
              "awakens to voice", "grade", "下次随访", "ICE 6", "weight", "-", "0", "1e309", "nan", "∞"]
QUESTIONS = st.one_of(
    st.text(max_size=60),
    st.lists(st.one_of(st.sampled_from(WARD_WORDS), st.integers(-100, 100000).map(str),
                       st.floats(allow_nan=True, allow_infinity=True).map(str), st.text(max_size=4)),
             max_size=6).map(" ".join),
)
MEMORY = st.one_of(st.none(), st.just({}), st.fixed_dictionaries({}, optional={
    "weight_kg": number(30, 300), "height_cm": number(100, 230),
    "today": st.one_of(st.dates(), JUNK), "infusion": st.one_of(st.dates(), JUNK)}))
INTENTS = {"tocilizumab_dose", "steroid_dose", "crs_grade", "icans_grade", "lymphodepletion", "washout",
           "followup", "ivig", "relapse", "eligibility", "search", "tocilizumab_next", "not_covered",
           "icaht", "hematotox"}


@_settings(MANY)
@given(QUESTIONS, MEMORY)
def test_assistant_never_raises_on_text_and_never_overdoses(text, context):
    try:
        answer = assistant.ask(text, context)
    except ValidationError:
        # Only the context (not the user's text) may be refused, and only when it is malformed.
        assert context, f"ask({text!r}) with no context raised a ValidationError"
        return
    assert answer.intent in INTENTS and isinstance(answer.text, str)
    if answer.intent == "tocilizumab_dose" and "dose_mg" in answer.values:
        assert 0 < float(answer.values["dose_mg"]) <= 800
    if "grade" in answer.values:
        assert 0 <= int(answer.values["grade"]) <= 4
    for rec_id in answer.recommendation_ids:
        content.recommendation(rec_id)


@_settings(SOME)
@given(QUESTIONS, st.one_of(st.none(), st.sampled_from(list(content.TOPICS)), st.text(max_size=5)))
def test_content_search_never_raises(query, topic):
    hits = content.search(query, topic=topic)
    assert all(isinstance(h, content.Recommendation) for h in hits)
    if topic:  # an empty topic means every topic, as on the library page
        assert all(h.topic == topic for h in hits)


@_settings(SOME)
@given(st.one_of(st.text(max_size=30), st.sampled_from([r.id for r in content.recommendations()])))
def test_content_recommendation_raises_only_key_error(rec_id):
    try:
        rec = content.recommendation(rec_id)
    except KeyError as exc:
        assert repr(rec_id) in exc.args[0]  # the error names the missing id
        return
    assert rec.id == rec_id and rec.quote_zh and rec.text_en


@_settings(FEW)
@given(JUNK)
def test_wrong_types_into_search_and_ask_are_refused_cleanly(junk):
    # Plain function arguments are validated too (CONVENTIONS): a wrong type is a ValidationError.
    for fn in (content.search, assistant.ask):
        try:
            result = fn(junk)
        except ValidationError:
            assert not isinstance(junk, str), f"{fn.__name__}({junk!r}) refused a string"
            continue
        assert isinstance(result, list) if fn is content.search else result.intent in INTENTS
