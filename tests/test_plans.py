"""logic.plans: Table 4 (and its note) and Table 5 as plan lines, with the tocilizumab course guard.

Expected values are the consensus's own: Table 4 rows T4.1-T4.4 and the note (8 mg/kg, max 800 mg,
>= 8 h apart, 4 in total; the labels' 3 in any 24 h applied), Table 5 rows T5.1-T5.4.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from logic import icans, plans
from logic.models import Grade
from logic.strings import LANGS

NOW = datetime(2026, 12, 2, 9, 22)
H = timedelta(hours=1)


def g(n: int, at_least: bool = False) -> Grade:
    return Grade(grade=n, at_least=at_least, drivers=[], recommendation_ids=[])


def actions(p: plans.Plan) -> list[tuple[str, str | None]]:
    return [(x.action, x.condition) for x in p.lines]


# --- Table 4 -------------------------------------------------------------------------------------


def test_crs_grade0_has_no_table4_lines():
    p = plans.crs_management_plan(g(0))
    assert (p.grade, p.at_least, p.lines) == (0, False, [])


def test_crs_grade1_row_t4_1():
    p = plans.crs_management_plan(g(1), 68)
    assert actions(p) == [("monitoring", None), ("supportive_care", None), ("infection_evaluation", None),
                          ("fluid_balance", None), ("antipyretics", "as_needed")]
    assert {x.recommendation_id for x in p.lines} == {"crs_mgmt_grade_1"}
    assert p.line("tocilizumab") is None


def test_crs_grade2_tocilizumab_only_for_elderly_or_comorbid_and_may():
    p = plans.crs_management_plan(g(2), 68)
    toci, steroid = p.line("tocilizumab"), p.line("corticosteroids")
    assert (toci.condition, toci.may, toci.group) == ("elderly_or_comorbid", True, "toci_and_or_steroid")
    assert (steroid.condition, steroid.may, steroid.dose) == ("elderly_or_comorbid", True, None)
    assert toci.dose.amount == 544 and toci.formula == "8 mg/kg × 68 kg = 544 mg"
    assert toci.recommendation_id == "tocilizumab_dosing"
    assert p.line("organ_function_monitoring").recommendation_id == "crs_mgmt_grade_2"


def test_crs_grade3_dexamethasone_keeps_its_condition_and_route():
    p = plans.crs_management_plan(g(3), 68)
    dex = [x for x in p.lines if x.action == "dexamethasone"]
    assert [(x.condition, x.dose.amount, x.dose.route, x.dose.frequency, x.may) for x in dex] == [
        ("hypotension_after_1_2_tocilizumab", 10, "IV", "q6h", True), ("refractory", 20, "IV", "q6h", True)]
    assert all(x.dose.recommendation_id == "crs_mgmt_grade_3" for x in dex)
    assert p.line("tocilizumab").condition is None  # grade 3 lists it without a condition
    en = [plans.describe(x, "en") for x in dex]
    assert en[0] == "If hypotension persists after 1-2 tocilizumab infusions: dexamethasone 10 mg IV q6h (may be given)"
    assert plans.describe(dex[0], "zh") == "托珠单抗静脉输注1~2次后低血压持续存在时:地塞米松 10 mg 静脉滴注 每6 h 1次(可用)"


def test_crs_grade4_methylprednisolone_1g_may_be_given():
    p = plans.crs_management_plan(g(4))
    mp = p.line("methylprednisolone")
    assert (mp.dose.amount, mp.dose.unit, mp.dose.route, mp.dose.frequency, mp.may) == (1000, "mg", "IV", "daily",
                                                                                        True)
    assert p.line("dexamethasone") is None
    assert p.line("tocilizumab").needs == ("weight_kg",) and p.line("tocilizumab").dose is None
    assert p.line("tocilizumab").rule == "8 mg/kg IV"


def test_at_least_grade_is_carried():
    p = plans.crs_management_plan(g(2, at_least=True), 68)
    assert (p.grade, p.at_least) == (2, True)


@pytest.mark.parametrize(("weight", "mg", "capped"), [(68, 544, False), (100, 800, False), (100.1, 800, True),
                                                      (110, 800, True), (30, 240, False)])
def test_tocilizumab_dose_on_the_line(weight, mg, capped):
    toci = plans.crs_management_plan(g(3), weight).line("tocilizumab")
    assert (toci.dose.amount, toci.dose.capped) == (mg, capped)


@pytest.mark.parametrize("weight", [29.9, -70, 0, 68000, 301])
def test_weight_refused(weight):
    with pytest.raises(ValidationError):
        plans.crs_management_plan(g(3), weight)


# --- the course guard on the line (Table 4 note; the labels' 3 in 24 h) -------------------------


def test_first_dose_allowed_with_and_without_clock():
    with_clock = plans.crs_management_plan(g(3), 68, [], NOW).line("tocilizumab")
    assert (with_clock.allowed, with_clock.earliest, with_clock.check.doses_total) == (True, NOW, 0)
    no_clock = plans.crs_management_plan(g(3), 68).line("tocilizumab")
    assert (no_clock.allowed, no_clock.earliest, no_clock.check) == (True, None, None)


def test_interval_edge_8h_both_sides():
    last = NOW - 8 * H
    before = plans.crs_management_plan(g(3), 68, [last + timedelta(minutes=1)], NOW).line("tocilizumab")
    assert (before.allowed, before.earliest) == (False, NOW + timedelta(minutes=1))
    at = plans.crs_management_plan(g(3), 68, [last], NOW).line("tocilizumab")
    assert (at.allowed, at.earliest, at.condition) == (True, NOW, "poor_control_repeat")


def test_three_in_24h_edge_both_sides():
    first = NOW - 24 * H
    given = [first, first + 8 * H, first + 16 * H]
    at = plans.crs_management_plan(g(3), 68, given, NOW).line("tocilizumab")
    assert (at.allowed, at.earliest) == (True, NOW)
    early = plans.crs_management_plan(g(3), 68, given, NOW - timedelta(minutes=1)).line("tocilizumab")
    assert (early.allowed, early.earliest, early.check.rule) == (False, NOW, "label_24h")


def test_four_doses_no_fifth_three_still_one_more():
    four = [NOW - h * H for h in (50, 40, 30, 20)]
    line = plans.crs_management_plan(g(3), 68, four, NOW).line("tocilizumab")
    assert (line.allowed, line.earliest, line.check.doses_total) == (False, None, 4)
    assert plans.guard_text(line, "en") == "Course: 4 dose(s) given; no further dose (at most 4 in total)."
    three = four[1:]
    line = plans.crs_management_plan(g(3), 68, three, NOW).line("tocilizumab")
    assert (line.allowed, line.check.doses_total) == (True, 3)


def test_without_clock_a_repeat_dose_is_not_offered_as_allowed_now():
    line = plans.crs_management_plan(g(3), 68, [NOW - 20 * H]).line("tocilizumab")
    assert (line.allowed, line.earliest, line.checked_at) == (False, NOW - 12 * H, None)
    assert "the current time was not given" in plans.describe(line, "en")


def test_guard_refuses_a_future_dose_time():
    with pytest.raises(ValidationError):
        plans.crs_management_plan(g(3), 68, [NOW + H], NOW)


def test_guard_uses_the_callers_zone_and_says_it():
    shanghai = timezone(timedelta(hours=8))
    now = datetime(2026, 12, 2, 9, 22, tzinfo=shanghai)
    line = plans.crs_management_plan(g(3), 68, [now - 2 * H], now).line("tocilizumab")
    assert line.earliest == datetime(2026, 12, 2, 15, 22, tzinfo=shanghai)
    assert plans.guard_text(line, "en", "UTC+8") == (
        "Course: 1 dose(s) given; next dose no earlier than 2026-12-02 15:22 (UTC+8).")


# --- Table 5 -------------------------------------------------------------------------------------


def test_icans_grade0_no_lines():
    assert plans.icans_management_plan(g(0), g(2)).lines == []


def test_icans_grade1_without_and_with_crs():
    no = plans.icans_management_plan(g(1), g(0))
    assert actions(no) == [("supportive_care", None)] and no.with_crs is False
    yes = plans.icans_management_plan(g(1), g(1), 68)
    assert actions(yes) == [("supportive_care", None), ("tocilizumab", None)]
    assert yes.line("tocilizumab").recommendation_id == "icans_g1_with_crs"
    assert yes.line("tocilizumab").dose.amount == 544


def test_icans_crs_not_assessed_uses_left_column_and_says_so():
    p = plans.icans_management_plan(g(2), None, 68)
    assert (p.with_crs, p.crs_grade) == (None, None)
    assert p.line("tocilizumab") is None


def test_icans_grade2_steroid_either_with_weight():
    p = plans.icans_management_plan(g(2), g(0), 68)
    dex, mp = p.line("dexamethasone"), p.line("methylprednisolone")
    assert (dex.dose.amount, dex.dose.route, dex.dose.frequency, dex.group) == (10, "IV", "q6h", "steroid_either")
    assert (mp.dose.amount, mp.dose.route, mp.dose.frequency, mp.group) == (68, "IV", "q12h", "steroid_either")
    assert dex.dose.recommendation_id == mp.dose.recommendation_id == "icans_g2_no_crs"
    assert p.line("icu_transfer") is None


def test_icans_grade2_methylprednisolone_needs_weight():
    mp = plans.icans_management_plan(g(2), g(0)).line("methylprednisolone")
    assert (mp.dose, mp.needs, mp.rule) == (None, ("weight_kg",), "1 mg/kg IV q12h")
    assert plans.describe(mp, "en") == "Methylprednisolone 1 mg/kg IV q12h (enter the weight for the dose)"


def test_icans_grade2_icu_when_crs_at_least_2_edge():
    assert plans.icans_management_plan(g(2), g(1)).line("icu_transfer") is None
    icu = plans.icans_management_plan(g(2), g(2)).line("icu_transfer")
    assert (icu.level, icu.condition, icu.recommendation_id) == ("consider", "crs_grade_ge_2", "icans_g2_with_crs")
    # CRS "at least 1": it may be >= 2, so the conditional line is shown
    assert plans.icans_management_plan(g(2), g(1, at_least=True)).line("icu_transfer") is not None


def test_icans_grade3_icu_advised_and_neuroimaging():
    p = plans.icans_management_plan(g(3), g(0), 70)
    assert p.line("icu_transfer").level == "advised"
    img = p.line("neuroimaging")
    assert (img.condition, img.every_days) == ("icans_persists_ge_3", (2, 3))
    assert p.line("methylprednisolone").dose.recommendation_id == "icans_g3_no_crs"
    assert p.line("methylprednisolone").dose.amount == 70


def test_icans_grade4_same_list_either_column_and_no_tocilizumab():
    no = plans.icans_management_plan(g(4), g(0), 68)
    yes = plans.icans_management_plan(g(4), g(3), 68)
    assert actions(no) == actions(yes) == [
        ("supportive_care", None), ("icu_care_ventilation", None), ("methylprednisolone", None),
        ("neuroimaging", "icans_persists_ge_3"), ("status_epilepticus", "convulsive_status_epilepticus")]
    assert yes.line("tocilizumab") is None
    assert yes.line("methylprednisolone").dose.amount == 1000
    assert {x.recommendation_id for x in yes.lines} == {"icans_g4_with_crs"}


def test_icans_with_crs_after_four_doses_offers_no_fifth():
    """M6: the ICANS with-CRS tocilizumab line carries the same course guard."""
    four = [NOW - h * H for h in (50, 40, 30, 20)]
    line = plans.icans_management_plan(g(2), g(2), 70, four, NOW).line("tocilizumab")
    assert (line.allowed, line.earliest) == (False, None)
    assert "no further dose" in plans.describe(line, "en")
    assert "不可再用" in plans.describe(line, "zh")


@pytest.mark.parametrize("icans_grade", [1, 2, 3, 4])
@pytest.mark.parametrize("crs_grade", [0, 1, 2, 3, 4])
def test_icans_plan_rests_on_icans_management_ids(icans_grade, crs_grade):
    p = plans.icans_management_plan(g(icans_grade), g(crs_grade), 68)
    assert set(p.recommendation_ids) <= set(icans.icans_management(icans_grade, crs_grade)) | {"tocilizumab_dosing"}


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("grade", range(5))
def test_every_line_renders_in_both_languages(lang, grade):
    given = [NOW - 20 * H]
    for p in (plans.crs_management_plan(g(grade), None, given, NOW), plans.crs_management_plan(g(grade), 68),
              plans.icans_management_plan(g(grade), g(2), None, given, NOW),
              plans.icans_management_plan(g(grade), None, 68)):
        for line in p.lines:
            s = plans.describe(line, lang, "UTC+8")
            assert s and "{" not in s


# --- every line of every plan, as literals (Tables 4 and 5; mutation survivors, issue 18) --------

TOCI_68 = ((544.0, "mg", None, "tocilizumab_dosing"), "8 mg/kg × 68 kg = 544 mg", "8 mg/kg IV", 27.2)
BOTH, EITHER = "toci_and_or_steroid", "steroid_either"
NO_DOSE = (None, None, None, None)

# (action, condition, may, group, level, every_days, recommendation_id, (dose, formula, rule, volume_ml))
CRS_PLANS_68KG = {
    2: [("monitoring", None, False, None, None, None, "crs_mgmt_grade_2", NO_DOSE),
        ("supportive_care", None, False, None, None, None, "crs_mgmt_grade_2", NO_DOSE),
        ("organ_function_monitoring", None, False, None, None, None, "crs_mgmt_grade_2", NO_DOSE),
        ("tocilizumab", "elderly_or_comorbid", True, BOTH, None, None, "tocilizumab_dosing", TOCI_68),
        ("corticosteroids", "elderly_or_comorbid", True, BOTH, None, None, "crs_mgmt_grade_2", NO_DOSE)],
    3: [("monitoring", None, False, None, None, None, "crs_mgmt_grade_3", NO_DOSE),
        ("supportive_care", None, False, None, None, None, "crs_mgmt_grade_3", NO_DOSE),
        ("tocilizumab", None, False, BOTH, None, None, "tocilizumab_dosing", TOCI_68),
        ("dexamethasone", "hypotension_after_1_2_tocilizumab", True, BOTH, None, None, "crs_mgmt_grade_3",
         ((10.0, "mg", "q6h", "crs_mgmt_grade_3"), "10 mg q6h", None, None)),
        ("dexamethasone", "refractory", True, BOTH, None, None, "crs_mgmt_grade_3",
         ((20.0, "mg", "q6h", "crs_mgmt_grade_3"), "20 mg q6h", None, None))],
    4: [("monitoring", None, False, None, None, None, "crs_mgmt_grade_4", NO_DOSE),
        ("supportive_care", None, False, None, None, None, "crs_mgmt_grade_4", NO_DOSE),
        ("tocilizumab", None, False, BOTH, None, None, "tocilizumab_dosing", TOCI_68),
        ("corticosteroids", None, False, BOTH, None, None, "crs_mgmt_grade_4", NO_DOSE),
        ("methylprednisolone", None, True, BOTH, None, None, "crs_mgmt_grade_4",
         ((1000.0, "mg", "daily", "crs_mgmt_grade_4"), "1 g/d = 1000 mg daily", None, None))],
}


def _dex(rec):
    return ("dexamethasone", None, False, EITHER, None, None, rec, ((10.0, "mg", "q6h", rec), "10 mg q6h", None, None))


def _mp(rec):
    return ("methylprednisolone", None, False, EITHER, None, None, rec,
            ((68.0, "mg", "q12h", rec), "1 mg/kg × 68 kg = 68 mg q12h", "1 mg/kg IV q12h", None))


ICANS_PLANS_68KG = {
    # (ICANS grade, CRS grade or None, CRS at least): lines
    (2, 2, True): [("supportive_care", None, False, None, None, None, "icans_g2_no_crs", NO_DOSE),
                   _dex("icans_g2_no_crs"), _mp("icans_g2_no_crs"),
                   ("tocilizumab", None, False, None, None, None, "icans_g2_with_crs", TOCI_68),
                   ("icu_transfer", "crs_grade_ge_2", False, None, "consider", None, "icans_g2_with_crs", NO_DOSE)],
    (3, 0, False): [("icu_transfer", None, False, None, "advised", None, "icans_g3_no_crs", NO_DOSE),
                    ("supportive_care", None, False, None, None, None, "icans_g3_no_crs", NO_DOSE),
                    _dex("icans_g3_no_crs"), _mp("icans_g3_no_crs"),
                    ("neuroimaging", "icans_persists_ge_3", False, None, None, (2, 3), "icans_g3_no_crs", NO_DOSE)],
    (3, 3, False): [("icu_transfer", None, False, None, "advised", None, "icans_g3_no_crs", NO_DOSE),
                    ("supportive_care", None, False, None, None, None, "icans_g3_no_crs", NO_DOSE),
                    _dex("icans_g3_no_crs"), _mp("icans_g3_no_crs"),
                    ("neuroimaging", "icans_persists_ge_3", False, None, None, (2, 3), "icans_g3_no_crs", NO_DOSE),
                    ("tocilizumab", None, False, None, None, None, "icans_g3_with_crs", TOCI_68)],
    (4, None, False): [
        ("supportive_care", None, False, None, None, None, "icans_g4_no_crs", NO_DOSE),
        ("icu_care_ventilation", None, False, None, "advised", None, "icans_g4_no_crs", NO_DOSE),
        ("methylprednisolone", None, False, None, None, None, "icans_g4_no_crs",
         ((1000.0, "mg", "daily", "icans_g4_no_crs"), "1 g/d = 1000 mg daily", None, None)),
        ("neuroimaging", "icans_persists_ge_3", False, None, None, (2, 3), "icans_g4_no_crs", NO_DOSE),
        ("status_epilepticus", "convulsive_status_epilepticus", False, None, None, None, "icans_g4_no_crs", NO_DOSE)],
}


def _as_rows(p: plans.Plan) -> list[tuple]:
    return [(x.action, x.condition, x.may, x.group, x.level, x.every_days, x.recommendation_id,
             ((x.dose.amount, x.dose.unit, x.dose.frequency, x.dose.recommendation_id) if x.dose else None,
              x.formula, x.rule, x.volume_ml) if x.dose else (None, x.formula, x.rule, x.volume_ml))
            for x in p.lines]


@pytest.mark.oracle
@pytest.mark.parametrize("grade", [pytest.param(n, id=f"consensus-T4.{n}") for n in (2, 3, 4)])
def test_crs_plan_every_line_literal(grade):
    p = plans.crs_management_plan(g(grade), 68)
    assert _as_rows(p) == CRS_PLANS_68KG[grade]
    assert (p.kind, p.grade, p.at_least) == ("crs", grade, False)
    assert p.recommendation_ids == [f"crs_mgmt_grade_{grade}", "tocilizumab_dosing"]


@pytest.mark.oracle
@pytest.mark.parametrize("key", [pytest.param(k, id=f"consensus-T5.{k[0]}-crs-{k[1]}") for k in ICANS_PLANS_68KG])
def test_icans_plan_every_line_literal(key):
    grade, crs_grade, crs_at_least = key
    crs = None if crs_grade is None else g(crs_grade, crs_at_least)
    p = plans.icans_management_plan(g(grade), crs, 68)
    assert _as_rows(p) == ICANS_PLANS_68KG[key]
    with_crs = None if crs_grade is None else crs_grade > 0
    assert (p.kind, p.grade, p.with_crs, p.crs_grade, p.crs_at_least) == ("icans", grade, with_crs, crs_grade,
                                                                         crs_at_least)
    assert p.recommendation_ids == list(dict.fromkeys(r[6] for r in ICANS_PLANS_68KG[key]))


def test_icans_plan_passes_the_clock_to_the_tocilizumab_guard():
    """ICANS grade 1 with CRS, one dose 2 h ago: with the clock the guard says 'not before 15:22' and
    records the time it used; the same without a clock says so."""
    given = [NOW - 2 * H]
    line = plans.icans_management_plan(g(1), g(2), 68, given, NOW).line("tocilizumab")
    assert (line.allowed, line.earliest, line.checked_at) == (False, datetime(2026, 12, 2, 15, 22), NOW)
    first = plans.icans_management_plan(g(1), g(2), 68, [], NOW).line("tocilizumab")
    assert (first.allowed, first.checked_at, first.check.doses_total) == (True, NOW, 0)


RENDERED = {
    "en": {
        "repeat_zone": "Repeat dose, if control is poor: tocilizumab 544 mg IV. Course: 1 dose(s) given; "
                       "next dose no earlier than 2026-12-02 15:22 (UTC+8).",
        "repeat": "Repeat dose, if control is poor: tocilizumab 544 mg IV. Course: 1 dose(s) given; "
                  "next dose no earlier than 2026-12-02 15:22.",
        "no_clock": "Repeat dose, if control is poor: tocilizumab 544 mg IV. Course: 1 dose(s) given; next dose "
                    "no earlier than 2026-12-02 15:22 (UTC+8) (the current time was not given).",
        "first_now": "Tocilizumab 544 mg IV. Course: 0 dose(s) given; a dose is allowed now.",
        "icans4": ["Supportive care", "ICU care; mechanical ventilation advised", "Methylprednisolone 1000 mg IV daily",
                   "While ICANS stays grade 3 or higher: repeat neuroimaging (CT or MRI) every 2-3 days",
                   "Convulsive status epilepticus: treat per guidelines"],
        "icans2_no_weight": ["Supportive care", "Dexamethasone 10 mg IV q6h",
                             "Methylprednisolone 1 mg/kg IV q12h (enter the weight for the dose)"],
        "icu3": "Transfer to the ICU advised",
        "toci_dose": "544 mg IV",
    },
    "zh": {
        "repeat_zone": "再次给药,限控制不佳者:托珠单抗 544 mg 静脉滴注。本疗程已用1次;下一次不早于2026-12-02 15:22 (UTC+8)。",
        "repeat": "再次给药,限控制不佳者:托珠单抗 544 mg 静脉滴注。本疗程已用1次;下一次不早于2026-12-02 15:22。",
        "no_clock": "再次给药,限控制不佳者:托珠单抗 544 mg 静脉滴注。本疗程已用1次;下一次不早于2026-12-02 15:22 (UTC+8)(未提供当前时间)。",
        "first_now": "托珠单抗 544 mg 静脉滴注。本疗程已用0次;现在可给药。",
        "icans4": ["支持治疗", "ICU监护,建议机械通气", "甲泼尼龙 1000 mg 静脉滴注 每日1次",
                   "若ICANS持续≥3级:每2~3 d重复神经影像学(CT或MRI)检查", "惊厥性癫痫持续状态:参照指南治疗"],
        "icans2_no_weight": ["支持治疗", "地塞米松 10 mg 静脉滴注 每6 h 1次", "甲泼尼龙 1 mg/kg 静脉滴注 每12 h 1次(请输入体重以计算剂量)"],
        "icu3": "建议转入ICU",
        "toci_dose": "544 mg 静脉滴注",
    },
}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_plan_lines_rendered_word_for_word(lang):
    want = RENDERED[lang]
    repeat = plans.icans_management_plan(g(1), g(2), 68, [NOW - 2 * H], NOW).line("tocilizumab")
    assert plans.describe(repeat, lang, "UTC+8") == want["repeat_zone"]
    assert plans.describe(repeat, lang) == want["repeat"]
    assert plans.describe(repeat, lang, None) == want["repeat"]
    no_clock = plans.icans_management_plan(g(1), g(2), 68, [NOW - 2 * H]).line("tocilizumab")
    assert plans.describe(no_clock, lang, "UTC+8") == want["no_clock"]
    first = plans.icans_management_plan(g(1), g(2), 68, [], NOW).line("tocilizumab")
    assert plans.describe(first, lang) == want["first_now"]
    assert [plans.describe(x, lang) for x in plans.icans_management_plan(g(4), None).lines] == want["icans4"]
    assert [plans.describe(x, lang) for x in plans.icans_management_plan(g(2), None).lines] == want["icans2_no_weight"]
    assert plans.describe(plans.icans_management_plan(g(3), None).line("icu_transfer"), lang) == want["icu3"]
    assert plans.dose_text(repeat.dose, lang) == want["toci_dose"]
    # a line without a guard renders no guard text
    assert plans.guard_text(plans.crs_management_plan(g(3)).line("dexamethasone"), lang) == ""


def test_dose_text_defaults_to_english():
    dose = plans.crs_management_plan(g(3), 68).line("tocilizumab").dose
    assert plans.dose_text(dose) == "544 mg IV"
