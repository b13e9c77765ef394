"""CRS grade (ASTCT 2019 / Table 3), management (Table 4) and the HLH/MAS escalation alert.

Sources of the vectors: Table 3 rows T3.1-T3.4 of the consensus and ASTCT 2019 (Lee et al.,
Biol Blood Marrow Transplant 2019;25:625-638), which the consensus adopts (P15 [32]);
READING-NOTES 12 (fever >=38.0), 13 (grade 3 = one vasopressor), 14 (worse of the two,
masked fever counts); P15 for the 12-h escalation rule.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from itertools import product

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from logic import content
from logic.crs import (
    HYPOTENSION_LEVELS,
    HYPOXIA_LEVELS,
    CRSFindings,
    assess_crs,
    crs_escalation_alert,
    crs_escalation_status,
    crs_management,
    fever_threshold_c,
    grade_crs,
    temperature_problem,
)

T0 = datetime(2026, 3, 1, 8, 0)


def g(**kw) -> tuple[int, bool]:
    grade = grade_crs(CRSFindings(**kw))
    return grade.grade, grade.at_least


# --- fever: the entry criterion ---------------------------------------------------------------


@pytest.mark.parametrize(("temp", "expected"), [
    pytest.param(37.9, (0, False), id="T3.1/RN12 37.9 C below 38.0: no fever, grade 0 final"),
    pytest.param(38.0, (1, False), id="T3.1/RN12 38.0 C is fever (>=38.0, not >38): grade 1"),
    pytest.param(38.05, (1, False), id="T3.1 38.05 C fever"),
    pytest.param(37.99, (0, False), id="T3.1 37.99 C not fever"),
])
def test_fever_threshold_both_sides(temp, expected):
    assert g(max_temp_c=temp, hypotension="none", hypoxia="none") == expected


def test_fever_threshold_comes_from_the_grade_1_note():
    assert fever_threshold_c() == content.recommendation("crs_grade_1").note_value("fever_c_applied") == 38.0
    # the printed >38 variant is shown by that entry's note
    assert ">38" in content.recommendation("crs_grade_1").notes[0].en


@pytest.mark.parametrize("temp", [
    pytest.param(30.0, id="limit 30.0 C accepted"),
    pytest.param(45.0, id="limit 45.0 C accepted"),
])
def test_temperature_limits_accepted(temp):
    CRSFindings(max_temp_c=temp)
    assert temperature_problem(temp) is None


@pytest.mark.parametrize(("temp", "kind", "likely"), [
    pytest.param(29.9, "out_of_range", None, id="29.9 C just below 30: refused"),
    pytest.param(45.1, "out_of_range", None, id="45.1 C just above 45: refused"),
    pytest.param(98.6, "fahrenheit", 37.0, id="98.6 looks like F = 37.0 C"),
    pytest.param(101.3, "fahrenheit", 38.5, id="101.3 F = 38.5 C"),
    pytest.param(86.0, "fahrenheit", 30.0, id="86 F = 30.0 C (lowest F accepted as a hint)"),
    pytest.param(385.0, "missing_decimal_point", 38.5, id="385 = 38.5 without its point"),
    pytest.param(0.0, "out_of_range", None, id="0"),
])
def test_temperature_refused_with_the_likely_mistake(temp, kind, likely):
    problem = temperature_problem(temp)
    assert problem is not None and problem.kind == kind
    assert problem.likely_celsius == likely
    with pytest.raises(ValidationError) as exc:
        CRSFindings(max_temp_c=temp)
    if kind == "fahrenheit":
        assert "°F" in str(exc.value) and f"{likely:.1f} °C" in str(exc.value)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, "hot", [38]])
def test_temperature_not_a_number_is_a_validation_error(bad):
    with pytest.raises(ValidationError):
        CRSFindings(max_temp_c=bad)


def test_masked_fever_counts_without_a_current_fever():
    # RN14: fever masked by antipyretics/tocilizumab/steroids still counts once documented
    a = assess_crs(CRSFindings(max_temp_c=36.8, fever_before_masking=True, hypotension="none", hypoxia="low_flow"))
    assert a.fever == "present" and a.grade.grade == 2 and a.grade.drivers == ["hypoxia"]
    one = grade_crs(CRSFindings(fever_before_masking=True, hypotension="none", hypoxia="none"))
    assert (one.grade, one.at_least, one.drivers) == (1, False, ["fever_before_masking"])


# --- each finding's level, given fever ----------------------------------------------------------


@pytest.mark.parametrize(("hypotension", "grade"), [
    pytest.param("none", 1, id="T3.1 fever alone: grade 1"),
    pytest.param("no_vasopressor", 2, id="T3.2 hypotension without vasopressor: 2"),
    pytest.param("one_vasopressor", 3, id="T3.3/RN13 one vasopressor: 3"),
    pytest.param("multiple_vasopressors", 4, id="T3.4 several vasopressors: 4"),
])
def test_hypotension_levels(hypotension, grade):
    assert g(max_temp_c=39.0, hypotension=hypotension, hypoxia="none") == (grade, False)


@pytest.mark.parametrize(("hypoxia", "grade"), [
    pytest.param("none", 1, id="T3.1 no oxygen: 1"),
    pytest.param("low_flow", 2, id="T3.2 low flow (<=6 L/min, blow-by): 2"),
    pytest.param("high_flow", 3, id="T3.3 high flow (>6 L/min, face mask): 3"),
    pytest.param("positive_pressure", 4, id="T3.4 CPAP/BiPAP/intubation: 4"),
])
def test_hypoxia_levels(hypoxia, grade):
    assert g(max_temp_c=39.0, hypotension="none", hypoxia=hypoxia) == (grade, False)


@pytest.mark.parametrize(("hypotension", "hypoxia"), list(product(HYPOTENSION_LEVELS, HYPOXIA_LEVELS)))
def test_grade_is_the_worse_of_hypotension_and_hypoxia(hypotension, hypoxia):
    # RN14 / ASTCT: given fever, the more severe of the two sets the grade
    levels = {"none": 0, "no_vasopressor": 2, "one_vasopressor": 3, "multiple_vasopressors": 4,
              "low_flow": 2, "high_flow": 3, "positive_pressure": 4}
    grade = grade_crs(CRSFindings(max_temp_c=38.5, hypotension=hypotension, hypoxia=hypoxia))
    assert grade.grade == max(1, levels[hypotension], levels[hypoxia])
    assert not grade.at_least
    if grade.grade > 1:
        assert set(grade.drivers) == {n for n, v in (("hypotension", hypotension), ("hypoxia", hypoxia))
                                      if levels[v] == grade.grade}


def test_no_fever_is_grade_0_whatever_the_organ_findings():
    a = assess_crs(CRSFindings(max_temp_c=37.2, hypotension="multiple_vasopressors", hypoxia="positive_pressure"))
    assert (a.grade.grade, a.grade.at_least, a.grade.drivers) == (0, False, ["max_temp_c"])
    assert a.signs_without_fever and a.fever == "absent"
    # unassessed organ findings cannot raise it either: no fever, no CRS
    assert g(max_temp_c=37.0) == (0, False)


# --- "at least" semantics ------------------------------------------------------------------------


def test_temperature_not_assessed_is_at_least_0_with_no_driver():
    a = assess_crs(CRSFindings(hypotension="one_vasopressor", hypoxia="none"))
    assert (a.grade.grade, a.grade.at_least, a.grade.drivers) == (0, True, [])
    assert a.fever == "not_assessed" and a.missing == ["max_temp_c"]
    assert a.grade_if_fever == 3 and a.highest_possible == 3


def test_nothing_assessed_is_at_least_0_and_could_be_4():
    a = assess_crs(CRSFindings())
    assert (a.grade.grade, a.grade.at_least, a.highest_possible) == (0, True, 4)
    assert a.missing == ["max_temp_c", "hypotension", "hypoxia"]


def test_fever_with_one_organ_finding_unassessed_is_at_least():
    a = assess_crs(CRSFindings(max_temp_c=38.4, hypotension="no_vasopressor"))
    assert (a.grade.grade, a.grade.at_least, a.missing, a.highest_possible) == (2, True, ["hypoxia"], 4)


def test_grade_4_is_final_even_with_an_unassessed_input():
    assert g(max_temp_c=39.0, hypoxia="positive_pressure") == (4, False)


def test_masked_fever_makes_the_temperature_unneeded():
    a = assess_crs(CRSFindings(fever_before_masking=True, hypotension="none", hypoxia="none"))
    assert a.missing == [] and not a.grade.at_least


# --- recommendation ids --------------------------------------------------------------------------


@pytest.mark.parametrize(("grade", "ids"), [
    pytest.param(0, ["crs_astct_grading", "crs_grade_1"], id="grade 0 cites the grading and the fever row"),
    pytest.param(1, ["crs_grade_1", "crs_mgmt_grade_1"], id="T3.1 + T4.1"),
    pytest.param(2, ["crs_grade_2", "crs_mgmt_grade_2", "tocilizumab_dosing"], id="T3.2 + T4.2 + T4.note"),
    pytest.param(3, ["crs_grade_3", "crs_mgmt_grade_3", "tocilizumab_dosing"], id="T3.3 + T4.3 + T4.note"),
    pytest.param(4, ["crs_grade_4", "crs_mgmt_grade_4", "tocilizumab_dosing"], id="T3.4 + T4.4 + T4.note"),
])
def test_grade_cites_table_3_and_table_4(grade, ids):
    hypotension = {0: "none", 1: "none", 2: "no_vasopressor", 3: "one_vasopressor", 4: "multiple_vasopressors"}
    temp = 37.0 if grade == 0 else 39.0
    assert grade_crs(CRSFindings(max_temp_c=temp, hypotension=hypotension[grade], hypoxia="none")
                     ).recommendation_ids == ids


@pytest.mark.parametrize(("grade", "toci", "dex", "mp"), [
    pytest.param(0, "not_listed", False, False, id="no CRS"),
    pytest.param(1, "not_listed", False, False, id="T4.1 supportive"),
    pytest.param(2, "elderly_or_comorbid", False, False, id="T4.2 elderly/comorbid may receive toci"),
    pytest.param(3, "listed", True, False, id="T4.3 toci and/or steroids; dex 10 -> 20 mg q6h"),
    pytest.param(4, "listed", False, True, id="T4.4 methylprednisolone 1 g/d"),
])
def test_management_by_grade(grade, toci, dex, mp):
    m = crs_management(grade)
    assert (m.tocilizumab, m.dexamethasone, m.methylprednisolone_high_dose) == (toci, dex, mp)
    for rec_id in m.recommendation_ids:
        content.recommendation(rec_id)


@pytest.mark.parametrize("bad", [-1, 5, 2.5, "three", None])
def test_management_refuses_a_grade_outside_0_to_4(bad):
    with pytest.raises(ValidationError):
        crs_management(bad)


# --- escalation (P15: 12 h without improvement -> HLH/MAS) -----------------------------------


@pytest.mark.parametrize(("elapsed", "improved", "alert"), [
    pytest.param(timedelta(hours=12) - timedelta(seconds=1), False, False, id="P15 11:59:59 no alert yet"),
    pytest.param(timedelta(hours=12), False, True, id="P15 exactly 12 h without improvement: alert"),
    pytest.param(timedelta(hours=30), False, True, id="P15 30 h without improvement: alert"),
    pytest.param(timedelta(hours=12), True, False, id="P15 12 h improved: no alert"),
    pytest.param(timedelta(0), False, False, id="just given"),
])
def test_escalation_alert_edges(elapsed, improved, alert):
    assert crs_escalation_alert(T0, T0 + elapsed, improved) is alert


def test_escalation_hours_come_from_content_and_status_shows_the_working():
    s = crs_escalation_status(T0, T0 + timedelta(hours=13, minutes=30), False)
    assert s.threshold_h == content.value("crs_escalation_alert", "hours") == 12
    assert s.hours_since_first_line == 13.5 and s.alert_from == T0 + timedelta(hours=12)
    assert s.recommendation_id == "crs_escalation_alert"


def test_escalation_refuses_a_first_line_time_after_now_and_mixed_time_zones():
    with pytest.raises(ValidationError, match="later than now"):
        crs_escalation_alert(T0 + timedelta(minutes=1), T0, False)
    with pytest.raises(ValidationError, match="time zone"):
        crs_escalation_alert(T0.replace(tzinfo=UTC), T0, False)
    with pytest.raises(ValidationError):
        crs_escalation_alert("yesterday", T0, False)


# --- properties --------------------------------------------------------------------------------

temps = st.one_of(st.none(), st.floats(min_value=30.0, max_value=45.0))
hypotensions = st.one_of(st.none(), st.sampled_from(HYPOTENSION_LEVELS))
hypoxias = st.one_of(st.none(), st.sampled_from(HYPOXIA_LEVELS))
findings = st.builds(CRSFindings, max_temp_c=temps, fever_before_masking=st.booleans(),
                     hypotension=hypotensions, hypoxia=hypoxias)


def _completions(f: CRSFindings) -> list[CRSFindings]:
    """Every way of filling in the unassessed inputs (temperature by one value each side of 38.0)."""
    return [CRSFindings(max_temp_c=temp, fever_before_masking=f.fever_before_masking, hypotension=hyp, hypoxia=oxy)
            for temp in ([f.max_temp_c] if f.max_temp_c is not None else [37.0, 38.0])
            for hyp in ([f.hypotension] if f.hypotension else HYPOTENSION_LEVELS)
            for oxy in ([f.hypoxia] if f.hypoxia else HYPOXIA_LEVELS)]


@settings(max_examples=400, deadline=None)
@given(findings)
def test_property_grade_is_the_least_completion_and_at_least_is_exact(f):
    grade = grade_crs(f)
    completed = [grade_crs(c).grade for c in _completions(f)]
    assert 0 <= grade.grade <= 4
    assert grade.grade == min(completed)  # never above the true grade
    assert grade.at_least == (max(completed) > grade.grade)  # "at least" only when something could raise it
    assert assess_crs(f).highest_possible == max(completed)


@settings(max_examples=400, deadline=None)
@given(findings, st.data())
def test_property_a_worse_finding_never_lowers_the_grade(f, data):
    worse = {}
    if f.max_temp_c is not None:
        worse["max_temp_c"] = data.draw(st.floats(min_value=f.max_temp_c, max_value=45.0))
    worse["fever_before_masking"] = f.fever_before_masking or data.draw(st.booleans())
    for name, levels in (("hypotension", HYPOTENSION_LEVELS), ("hypoxia", HYPOXIA_LEVELS)):
        current = getattr(f, name)
        if current is not None:
            worse[name] = data.draw(st.sampled_from(levels[levels.index(current):]))
    assert grade_crs(f.model_copy(update=worse)).grade >= grade_crs(f).grade


@settings(max_examples=400, deadline=None)
@given(findings, st.data())
def test_property_stating_an_unassessed_input_never_lowers_the_at_least_grade(f, data):
    stated = {}
    if f.max_temp_c is None:
        stated["max_temp_c"] = data.draw(st.floats(min_value=30.0, max_value=45.0))
    if f.hypotension is None:
        stated["hypotension"] = data.draw(st.sampled_from(HYPOTENSION_LEVELS))
    if f.hypoxia is None:
        stated["hypoxia"] = data.draw(st.sampled_from(HYPOXIA_LEVELS))
    keys = data.draw(st.sets(st.sampled_from(sorted(stated))) if stated else st.just(set()))
    after = grade_crs(f.model_copy(update={k: stated[k] for k in keys}))
    assert after.grade >= grade_crs(f).grade


anything = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True, allow_infinity=True),
                     st.text(max_size=12), st.lists(st.integers(), max_size=2))


@settings(max_examples=600, deadline=None)
@given(anything, anything, anything, anything)
def test_property_no_input_raises_anything_but_a_validation_error(temp, masked, hypotension, hypoxia):
    try:
        grade = grade_crs({"max_temp_c": temp, "fever_before_masking": masked, "hypotension": hypotension,
                           "hypoxia": hypoxia})
    except ValidationError:
        return
    assert 0 <= grade.grade <= 4


@settings(max_examples=300, deadline=None)
@given(st.datetimes(), st.datetimes(), st.booleans())
def test_property_escalation_alert_is_12h_without_improvement(first, now, improved):
    try:
        alert = crs_escalation_alert(first, now, improved)
    except ValidationError:
        assert first > now
        return
    assert alert == (now - first >= timedelta(hours=12) and not improved)
