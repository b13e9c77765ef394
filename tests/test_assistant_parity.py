"""The chat and the pages give the same answer (issue 12 item 4, issue 13 item 6): the same cases
through ask() and through the logic calls the pages make (/eligibility washout, /followup
schedule, /dosing tocilizumab dose and course guard, /toxicity CRS and ICANS grade and plan)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from logic import crs, dosing, followup, icans, plans
from logic import eligibility as elig
from logic.assistant import ask

TODAY = date(2026, 11, 30)
NOW = datetime(2026, 11, 30, 12, 0)
CTX = {"today": TODAY, "now": NOW, "lang": "en"}


@pytest.mark.parametrize(("question", "exposure", "last"), [
    ("lenalidomide last dose Nov 22, when can we collect?", "lenalidomide", date(2026, 11, 22)),
    ("来那度胺最后一次11月22号,什么时候能采集", "lenalidomide", date(2026, 11, 22)),
    ("bortezomib last 2026-11-25, apheresis when?", "bortezomib", date(2026, 11, 25)),
    ("vincristine last 2026-11-26, collect?", "vincristine", date(2026, 11, 26)),
    ("last dex 2026-11-28, can we collect?", "therapeutic_corticosteroids", date(2026, 11, 28)),
    ("ATG given 2026-10-01, when can we do leukapheresis", "anti_t_cell_antibody", date(2026, 10, 1)),
])
def test_washout_matches_the_eligibility_page(question, exposure, last):
    # the page passes a bare date (counted from the end of that day) and the user's now
    page = elig.earliest_apheresis({exposure: last}, now=NOW)
    a = ask(question, CTX)
    assert a.intent == "washout"
    assert a.values["earliest"] == page.earliest.date().isoformat()
    assert a.values["earliest_at"] == page.earliest.isoformat(timespec="minutes")
    assert a.values["binding"] == page.binding


@pytest.mark.parametrize(("question", "infusion"), [
    ("infused on 15 Sep 2026, when is next visit", date(2026, 9, 15)),
    ("回输日期2026-11-20 下次随访", date(2026, 11, 20)),
    ("infusion 2026-10-01, next check?", date(2026, 10, 1)),
    ("infusion 2026-06-01, next follow-up", date(2026, 6, 1)),
])
def test_followup_matches_the_followup_page(question, infusion):
    visits = followup.schedule(infusion, today=TODAY)
    page = followup.progress(visits, infusion, TODAY)
    a = ask(question, CTX)
    assert a.intent == "followup"
    assert a.values["next_visit"] == page.next_visit.date.isoformat()
    assert a.values["day"] == page.day


@pytest.mark.parametrize("weight", [30.0, 55.0, 68.0, 72.5, 100.0, 101.0, 250.0])
def test_tocilizumab_dose_matches_the_dosing_page(weight):
    a = ask(f"tocilizumab {weight:g} kg", CTX)
    assert a.values["dose_mg"] == dosing.tocilizumab(weight).dose.amount


@pytest.mark.parametrize("given", [
    [datetime(2026, 11, 30, 6)],
    [datetime(2026, 11, 30, 1), datetime(2026, 11, 30, 9)],
    [datetime(2026, 11, 29, 13), datetime(2026, 11, 29, 21), datetime(2026, 11, 30, 5)],
    [datetime(2026, 11, 29, 0), datetime(2026, 11, 29, 8), datetime(2026, 11, 29, 16), datetime(2026, 11, 30, 0)],
    [datetime(2026, 11, 29, 1)],
])
def test_tocilizumab_course_matches_the_dosing_page(given):
    page = dosing.tocilizumab_next(given, NOW)
    a = ask("can I give the next tocilizumab dose?", {**CTX, "tocilizumab_given": given})
    assert a.intent == "tocilizumab_next"
    assert a.values["allowed"] is page.allowed
    assert a.values["doses_total"] == page.doses_total
    expected = page.earliest.isoformat(timespec="minutes") if page.earliest and not page.allowed else None
    if not page.allowed:
        assert a.values["earliest"] == expected
    dose = ask("tocilizumab 70 kg", {**CTX, "tocilizumab_given": given})
    assert ("dose_mg" in dose.values) is page.allowed


CRS_CASES = [
    ("T 38.5, normal BP, room air, 70 kg", dict(max_temp_c=38.5, hypotension="none", hypoxia="none")),
    ("T 39, no pressors needed after fluids, 2 L nasal cannula, 70 kg",
     dict(max_temp_c=39.0, hypotension="no_vasopressor", hypoxia="low_flow")),
    ("T 39.2, one vasopressor, 4 L/min nasal cannula, 68 kg",
     dict(max_temp_c=39.2, hypotension="one_vasopressor", hypoxia="low_flow")),
    ("T 38.5 norepinephrine plus dopamine, room air, 80 kg",
     dict(max_temp_c=38.5, hypotension="multiple_vasopressors", hypoxia="none")),
    ("T 39, normal BP, HFNC, 60 kg", dict(max_temp_c=39.0, hypotension="none", hypoxia="high_flow")),
    ("T 38.4, BiPAP, normal BP, 90 kg", dict(max_temp_c=38.4, hypotension="none", hypoxia="positive_pressure")),
]


@pytest.mark.parametrize(("question", "fields"), [pytest.param(*c, id=c[0]) for c in CRS_CASES])
def test_crs_grade_and_plan_match_the_toxicity_page(question, fields):
    a = ask(question, CTX)
    grade = crs.grade_crs(crs.CRSFindings(**fields))
    assert a.intent == "crs_grade"
    assert (a.values["grade"], a.values["at_least"]) == (grade.grade, grade.at_least)
    plan = plans.crs_management_plan(grade, weight_kg=a.values.get("weight_kg"))
    assert a.values.get("plan_actions", []) == [line.action for line in plan.lines]
    for line in plan.lines:
        if line.dose is not None and line.action == "tocilizumab":
            assert a.values["tocilizumab_mg"] == line.dose.amount
        if line.dose is not None and line.action == "methylprednisolone":
            assert a.values["methylprednisolone_mg"] == line.dose.amount
        if line.dose is not None and line.action == "dexamethasone" and line.condition != "refractory":
            assert a.values["dexamethasone_mg"] == line.dose.amount
    for rid in plan.recommendation_ids:
        assert rid in a.recommendation_ids


ICANS_CASES = [
    ("ICE 8, awake, no seizure, no weakness, no oedema", dict(ice_score=8, consciousness="normal", seizure="none",
                                                              motor_weakness="none", cerebral_edema="none"), None),
    ("ICE 5, awakens to voice", dict(ice_score=5, consciousness="awakens_to_voice"), None),
    ("ICE 2 分 触碰可醒", dict(ice_score=2, consciousness="awakens_to_touch"), None),
    ("ICE 6, CRS grade 2, 70 kg", dict(ice_score=6), 2),
    ("seizure stopped by itself, ICE 7, CRS grade 1, 60 kg", dict(ice_score=7, seizure="resolved_rapidly"), 1),
    ("diffuse cerebral edema", dict(cerebral_edema="diffuse"), None),
]


@pytest.mark.parametrize(("question", "fields", "crs_grade"), [pytest.param(*c, id=c[0]) for c in ICANS_CASES])
def test_icans_grade_and_plan_match_the_toxicity_page(question, fields, crs_grade):
    from logic.models import Grade

    a = ask(question, CTX)
    grade = icans.grade_icans(icans.ICANSFindings(**fields))
    assert a.intent == "icans_grade"
    assert (a.values["grade"], a.values["at_least"]) == (grade.grade, grade.at_least)
    crs_g = None if crs_grade is None else Grade(grade=crs_grade, at_least=False, drivers=[], recommendation_ids=[])
    plan = plans.icans_management_plan(grade, crs_g, weight_kg=a.values.get("weight_kg"))
    assert a.values.get("plan_actions", []) == [line.action for line in plan.lines]
    for line in plan.lines:
        if line.dose is not None and line.action in ("tocilizumab", "methylprednisolone"):
            assert a.values[f"{line.action}_mg"] == line.dose.amount
