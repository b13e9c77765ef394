"""ICANS grade (ASTCT 2019, as the consensus adopts it: P16 [32]) and Table 5 management.

Sources of the vectors: ASTCT 2019 (Lee et al., Biol Blood Marrow Transplant
2019;25:625-638) ICE score and ICANS grading tables, as the icans_grading entry's note
states them; Table 5 rows T5.1-T5.4 as READING-NOTES 16 reads them.
"""

from __future__ import annotations

import re
from itertools import product

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from logic import content, icans
from logic.icans import (
    ICANSFindings,
    ICEItems,
    ICEPartial,
    assess_icans,
    grade_icans,
    icans_management,
    icans_plan,
    ice_range,
    ice_score,
)

# ASTCT 2019 (Lee et al. 2019, the ICE score and ICANS grading tables), typed here from the paper:
# the expected grades below never come from logic.icans's own tables.
ICE_ITEM_MAX = {"orientation": 4, "naming": 3, "command": 1, "writing": 1, "attention": 1}
ICE_BANDS = ((10, 10, 0), (7, 9, 1), (3, 6, 2), (0, 2, 3))
CONSCIOUSNESS_GRADE = {"normal": 0, "awakens_spontaneously": 1, "awakens_to_voice": 2, "awakens_to_touch": 3,
                       "unarousable": 4}
SEIZURE_GRADE = {"none": 0, "resolved_rapidly": 3, "prolonged_or_repetitive": 4}
MOTOR_GRADE = {"none": 0, "deep_focal": 4}
EDEMA_GRADE = {"none": 0, "focal": 3, "diffuse": 4}


def test_logic_tables_are_the_astct_2019_tables():
    assert (icans.ICE_ITEM_MAX, icans.ICE_BANDS) == (ICE_ITEM_MAX, ICE_BANDS)
    assert (icans.CONSCIOUSNESS_GRADE, icans.SEIZURE_GRADE, icans.MOTOR_GRADE, icans.EDEMA_GRADE) == (
        CONSCIOUSNESS_GRADE, SEIZURE_GRADE, MOTOR_GRADE, EDEMA_GRADE)

NORMAL = {"consciousness": "normal", "seizure": "none", "motor_weakness": "none", "cerebral_edema": "none"}


def grade_of(**kw) -> tuple[int, bool]:
    g = grade_icans(ICANSFindings(**kw))
    return g.grade, g.at_least


# --- ICE score ---------------------------------------------------------------------------------


def test_ice_score_sums_the_items():
    assert ice_score(ICEItems(orientation=4, naming=3, command=1, writing=1, attention=1)) == 10
    assert ice_score(ICEItems(orientation=2, naming=1, command=1, writing=0, attention=1)) == 5
    assert ice_score({"orientation": 0, "naming": 0, "command": 0, "writing": 0, "attention": 0}) == 0


@pytest.mark.parametrize(("item", "top"), list(ICE_ITEM_MAX.items()))
def test_each_ice_item_accepts_its_maximum_and_refuses_one_more(item, top):
    full = dict(ICE_ITEM_MAX)
    ICEItems(**{**full, item: top})  # ASTCT: orientation 4, naming 3, command/writing/attention 1
    with pytest.raises(ValidationError, match=item):
        ICEItems(**{**full, item: top + 1})
    with pytest.raises(ValidationError):
        ICEItems(**{**full, item: -1})


def test_ice_item_maxima_are_the_astct_points():
    assert ICE_ITEM_MAX == {"orientation": 4, "naming": 3, "command": 1, "writing": 1, "attention": 1}
    assert sum(ICE_ITEM_MAX.values()) == 10


@pytest.mark.parametrize(("ice", "grade"), [
    pytest.param(10, 0, id="ASTCT ICE 10: grade 0"),
    pytest.param(9, 1, id="ASTCT ICE 9: grade 1 (edge 10|9)"),
    pytest.param(7, 1, id="ASTCT ICE 7: grade 1 (edge 7|6)"),
    pytest.param(6, 2, id="ASTCT ICE 6: grade 2"),
    pytest.param(3, 2, id="ASTCT ICE 3: grade 2 (edge 3|2)"),
    pytest.param(2, 3, id="ASTCT ICE 2: grade 3"),
    pytest.param(0, 3, id="ASTCT ICE 0 awake (e.g. global aphasia): grade 3"),
])
def test_ice_bands_both_sides_of_each_edge(ice, grade):
    assert grade_of(ice_score=ice, **NORMAL) == (grade, False)


@pytest.mark.parametrize("ice", [-1, 11, 5.5, "ten"])
def test_ice_score_outside_0_to_10_is_refused(ice):
    with pytest.raises(ValidationError):
        ICANSFindings(ice_score=ice)


def test_ice_bands_are_the_ones_the_icans_grading_note_states():
    note = content.recommendation("icans_grading").notes[0].en
    for low, high, grade in ICE_BANDS:
        band = f"ICE {low}" if low == high else f"{low}-{high}"
        assert re.search(rf"{band} grade {grade}", note), (low, high, grade)


# --- the other domains -------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "grade"), [
    pytest.param("normal", 0, id="ASTCT awake"),
    pytest.param("awakens_spontaneously", 1, id="ASTCT awakens spontaneously: 1"),
    pytest.param("awakens_to_voice", 2, id="ASTCT awakens to voice: 2"),
    pytest.param("awakens_to_touch", 3, id="ASTCT awakens only to tactile stimulus: 3"),
    pytest.param("unarousable", 4, id="ASTCT unarousable: 4"),
])
def test_consciousness(value, grade):
    assert grade_of(**{**NORMAL, "consciousness": value}, ice_score=10) == (grade, False)


@pytest.mark.parametrize(("domain", "value", "grade"), [
    pytest.param("seizure", "none", 0, id="no seizure"),
    pytest.param("seizure", "resolved_rapidly", 3, id="ASTCT seizure resolving rapidly: 3"),
    pytest.param("seizure", "prolonged_or_repetitive", 4, id="ASTCT prolonged/repetitive seizure: 4"),
    pytest.param("motor_weakness", "none", 0, id="no weakness"),
    pytest.param("motor_weakness", "deep_focal", 4, id="ASTCT deep focal weakness: 4"),
    pytest.param("cerebral_edema", "none", 0, id="no oedema"),
    pytest.param("cerebral_edema", "focal", 3, id="ASTCT focal oedema: 3"),
    pytest.param("cerebral_edema", "diffuse", 4, id="ASTCT diffuse oedema/posturing/CN VI/papilloedema/Cushing: 4"),
])
def test_seizure_motor_edema(domain, value, grade):
    assert grade_of(**{**NORMAL, domain: value}, ice_score=10) == (grade, False)


@pytest.mark.parametrize("ice", [0, 10])
def test_unarousable_is_grade_4_whatever_the_ice_score(ice):
    assert grade_of(ice_score=ice, consciousness="unarousable") == (4, False)
    assert grade_of(consciousness="unarousable") == (4, False)


@pytest.mark.parametrize(("c", "s", "m", "e"), list(product(CONSCIOUSNESS_GRADE, SEIZURE_GRADE, MOTOR_GRADE,
                                                             EDEMA_GRADE)))
def test_grade_is_the_worst_domain(c, s, m, e):
    for ice in (10, 8, 5, 1):
        g = grade_icans(ICANSFindings(ice_score=ice, consciousness=c, seizure=s, motor_weakness=m, cerebral_edema=e))
        ice_g = next(gr for lo, hi, gr in ICE_BANDS if lo <= ice <= hi)
        expected = max(ice_g, CONSCIOUSNESS_GRADE[c], SEIZURE_GRADE[s], MOTOR_GRADE[m], EDEMA_GRADE[e])
        assert (g.grade, g.at_least) == (expected, False)


# --- "at least" ----------------------------------------------------------------------------------


def test_nothing_assessed_is_at_least_0():
    a = assess_icans(ICANSFindings())
    assert (a.grade.grade, a.grade.at_least, a.highest_possible) == (0, True, 4)
    assert a.missing == ["ice_score", "consciousness", "seizure", "motor_weakness", "cerebral_edema"]


def test_ice_alone_is_at_least_its_band():
    a = assess_icans(ICANSFindings(ice_score=5))
    assert (a.grade.grade, a.grade.at_least, a.grade.drivers) == (2, True, ["ice_score"])


def test_an_unassessed_ice_cannot_raise_a_grade_3_so_it_is_final():
    # the ICE domain reaches grade 3 at most (0-2); everything else is known
    assert grade_of(**{**NORMAL, "cerebral_edema": "focal"}) == (3, False)
    assert grade_of(**{**NORMAL, "consciousness": "awakens_to_voice"}) == (2, True)


def test_grade_4_is_final_with_unassessed_domains():
    assert grade_of(motor_weakness="deep_focal") == (4, False)


def test_incomplete_ice_items_bound_the_grade():
    # orientation 0 and naming 0 given: at most 3/10 -> at least grade 2, possibly 3
    a = assess_icans(ICANSFindings(**NORMAL), ICEPartial(orientation=0, naming=0))
    assert a.ice_range == (0, 3)
    assert (a.grade.grade, a.grade.at_least, a.grade.drivers, a.highest_possible) == (2, True, ["ice_score"], 3)
    # full marks so far: nothing yet bounds it from below
    b = assess_icans(ICANSFindings(**NORMAL), ICEPartial(orientation=4))
    assert (b.grade.grade, b.grade.at_least, b.ice_range) == (0, True, (4, 10))


def test_complete_items_give_the_score():
    a = assess_icans(ICANSFindings(**NORMAL), ICEPartial(orientation=3, naming=3, command=1, writing=1, attention=1))
    assert (a.ice_score, a.grade.grade, a.grade.at_least) == (9, 1, False)
    assert ice_range(ICEPartial()) == (0, 10)


def test_ice_as_total_and_as_items_at_once_is_refused():
    with pytest.raises(ValidationError, match="either"):
        assess_icans(ICANSFindings(ice_score=5), ICEPartial(orientation=4))


# --- recommendation ids and Table 5 --------------------------------------------------------------


@pytest.mark.parametrize("grade", [0, 1, 2, 3, 4])
def test_grade_cites_icans_grading_and_table_5(grade):
    findings = {0: {"ice_score": 10}, 1: {"ice_score": 8}, 2: {"ice_score": 4}, 3: {"ice_score": 1},
                4: {"ice_score": 1, "consciousness": "unarousable"}}[grade]
    ids = grade_icans(ICANSFindings(**{**NORMAL, **findings})).recommendation_ids
    assert ids == ["icans_grading"] + ([f"icans_g{grade}_no_crs"] if grade else [])


@pytest.mark.parametrize(("icans_grade", "crs_grade", "ids"), [
    pytest.param(0, 0, [], id="no ICANS"),
    pytest.param(0, 3, [], id="no ICANS with CRS"),
    *[pytest.param(n, 0, [f"icans_g{n}_no_crs"], id=f"T5.{n} no CRS") for n in range(1, 5)],
    *[pytest.param(n, 1, [f"icans_g{n}_no_crs", f"icans_g{n}_with_crs"], id=f"T5.{n} with CRS 1")
      for n in range(1, 5)],
    pytest.param(2, 4, ["icans_g2_no_crs", "icans_g2_with_crs"], id="T5.2 with CRS 4"),
])
def test_icans_management(icans_grade, crs_grade, ids):
    assert icans_management(icans_grade, crs_grade) == ids
    for rec_id in ids:
        content.recommendation(rec_id)


@pytest.mark.parametrize(("icans_grade", "crs_grade"), [(-1, 0), (5, 0), (1, -1), (1, 5), ("x", 0)])
def test_icans_management_refuses_grades_outside_0_to_4(icans_grade, crs_grade):
    with pytest.raises(ValidationError):
        icans_management(icans_grade, crs_grade)


@pytest.mark.parametrize(("icans_grade", "crs_grade", "icu"), [
    pytest.param(2, 1, "none", id="T5.2 CRS 1: below the ICU edge"),
    pytest.param(2, 2, "consider", id="T5.2 CRS 2: consider ICU (edge)"),
    pytest.param(1, 4, "none", id="T5.1 no ICU line"),
    pytest.param(3, 0, "advised", id="T5.3 ICU advised"),
    pytest.param(4, 0, "icu_care_ventilation_advised", id="T5.4 ICU, ventilation advised"),
])
def test_icu_advice(icans_grade, crs_grade, icu):
    assert icans_plan(icans_grade, crs_grade).icu == icu
    assert content.value("icans_g2_with_crs", "icu_if_crs_grade_at_least") == 2


@pytest.mark.parametrize(("icans_grade", "crs_grade", "steroid", "toci", "imaging", "status"), [
    pytest.param(1, 0, "none", False, False, False, id="T5.1 supportive"),
    pytest.param(1, 1, "none", True, False, False, id="T5.1 with CRS: tocilizumab"),
    pytest.param(2, 0, "dexamethasone_or_methylprednisolone", False, False, False, id="T5.2"),
    pytest.param(3, 2, "dexamethasone_or_methylprednisolone", True, True, False, id="T5.3 with CRS"),
    pytest.param(4, 0, "methylprednisolone_high_dose", False, True, True, id="T5.4"),
    pytest.param(4, 3, "methylprednisolone_high_dose", False, True, True, id="T5.4 with CRS: no toci line"),
])
def test_icans_plan(icans_grade, crs_grade, steroid, toci, imaging, status):
    p = icans_plan(icans_grade, crs_grade)
    assert (p.steroid, p.tocilizumab, p.neuroimaging_every_2_3_days_while_ge3,
            p.status_epilepticus_per_guideline) == (steroid, toci, imaging, status)


# --- properties --------------------------------------------------------------------------------


def _opt(values):
    return st.one_of(st.none(), st.sampled_from(sorted(values)))


findings = st.builds(ICANSFindings, ice_score=st.one_of(st.none(), st.integers(0, 10)),
                     consciousness=_opt(CONSCIOUSNESS_GRADE), seizure=_opt(SEIZURE_GRADE),
                     motor_weakness=_opt(MOTOR_GRADE), cerebral_edema=_opt(EDEMA_GRADE))
DOMAIN_VALUES = {"ice_score": list(range(11)), "consciousness": list(CONSCIOUSNESS_GRADE),
                 "seizure": list(SEIZURE_GRADE), "motor_weakness": list(MOTOR_GRADE),
                 "cerebral_edema": list(EDEMA_GRADE)}
SEVERITY = {"consciousness": CONSCIOUSNESS_GRADE, "seizure": SEIZURE_GRADE, "motor_weakness": MOTOR_GRADE,
            "cerebral_edema": EDEMA_GRADE}


def _completions(f: ICANSFindings) -> list[ICANSFindings]:
    fields = f.model_dump()
    choices = [[v] if v is not None else DOMAIN_VALUES[k] for k, v in fields.items()]
    return [ICANSFindings(**dict(zip(fields, combo, strict=True))) for combo in product(*choices)]


@settings(max_examples=150, deadline=None)
@given(findings)
def test_property_grade_is_the_least_completion_and_at_least_is_exact(f):
    g = grade_icans(f)
    completed = [grade_icans(c).grade for c in _completions(f)]
    assert 0 <= g.grade <= 4
    assert g.grade == min(completed)
    assert g.at_least == (max(completed) > g.grade)


@settings(max_examples=400, deadline=None)
@given(findings, st.data())
def test_property_a_worse_finding_never_lowers_the_grade(f, data):
    worse = {}
    if f.ice_score is not None:
        worse["ice_score"] = data.draw(st.integers(0, f.ice_score))  # a lower ICE is worse
    for name, sev in SEVERITY.items():
        current = getattr(f, name)
        if current is not None:
            worse[name] = data.draw(st.sampled_from([v for v in sev if sev[v] >= sev[current]]))
    assert grade_icans(f.model_copy(update=worse)).grade >= grade_icans(f).grade


@settings(max_examples=400, deadline=None)
@given(findings, st.data())
def test_property_stating_an_unassessed_domain_never_lowers_the_at_least_grade(f, data):
    unknown = [k for k, v in f.model_dump().items() if v is None]
    if not unknown:
        return
    name = data.draw(st.sampled_from(unknown))
    value = data.draw(st.sampled_from(DOMAIN_VALUES[name]))
    assert grade_icans(f.model_copy(update={name: value})).grade >= grade_icans(f).grade


@settings(max_examples=300, deadline=None)
@given(st.fixed_dictionaries({k: st.one_of(st.none(), st.integers(0, top)) for k, top in ICE_ITEM_MAX.items()}),
       st.data())
def test_property_completing_ice_items_never_lowers_the_grade(items, data):
    before = assess_icans(ICANSFindings(**NORMAL), ICEPartial(**items)).grade.grade
    full = {k: v if v is not None else data.draw(st.integers(0, ICE_ITEM_MAX[k])) for k, v in items.items()}
    after = assess_icans(ICANSFindings(**NORMAL), ICEPartial(**full)).grade.grade
    assert after >= before


anything = st.one_of(st.none(), st.booleans(), st.integers(-5, 15), st.floats(allow_nan=True),
                     st.text(max_size=10), st.sampled_from(["normal", "unarousable", "focal", "none"]))


@settings(max_examples=600, deadline=None)
@given(anything, anything, anything, anything, anything)
def test_property_no_input_raises_anything_but_a_validation_error(ice, c, s, m, e):
    try:
        g = grade_icans({"ice_score": ice, "consciousness": c, "seizure": s, "motor_weakness": m,
                         "cerebral_edema": e})
    except ValidationError:
        return
    assert 0 <= g.grade <= 4


@settings(max_examples=300, deadline=None)
@given(anything, anything, anything, anything, anything)
def test_property_ice_items_raise_only_validation_errors(o, n, c, w, a):
    try:
        score = ice_score({"orientation": o, "naming": n, "command": c, "writing": w, "attention": a})
    except ValidationError:
        return
    assert 0 <= score <= 10


def test_ice_partial_lists_the_items_not_yet_tested():
    assert icans.ICEPartial(orientation=4, writing=1).missing() == ["naming", "command", "attention"]
    assert icans.ICEPartial().missing() == ["orientation", "naming", "command", "writing", "attention"]
