"""logic.followup and logic.calendar_export: the P22 schedule, the P18 IgG rule, the exports."""

from __future__ import annotations

import csv
import io
import math
from datetime import date, datetime, timedelta

import icalendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from logic import calendar_export, content, followup
from logic.followup import add_months, ivig_assessment, ivig_decision, progress, schedule
from tests import print_samples

TODAY = date(2026, 6, 1)


def plan(infusion: date, **kw) -> list[followup.Visit]:
    kw.setdefault("today", TODAY)
    return schedule(infusion, **kw)


def months_of(visits: list[followup.Visit]) -> list[int | None]:
    return [v.month for v in visits]


# --- calendar months ----------------------------------------------------------------------


@pytest.mark.parametrize("start, n, expected", [
    pytest.param(date(2026, 1, 31), 1, date(2026, 2, 28), id="31 Jan + 1 month = 28 Feb (common year)"),
    pytest.param(date(2024, 1, 31), 1, date(2024, 2, 29), id="31 Jan + 1 month = 29 Feb (leap year)"),
    pytest.param(date(2024, 2, 29), 12, date(2025, 2, 28), id="29 Feb + 12 months = 28 Feb"),
    pytest.param(date(2024, 2, 29), 48, date(2028, 2, 29), id="29 Feb + 48 months = 29 Feb"),
    pytest.param(date(2026, 3, 31), 1, date(2026, 4, 30), id="31 Mar + 1 month = 30 Apr"),
    pytest.param(date(2025, 12, 31), 2, date(2026, 2, 28), id="year change: 31 Dec + 2 months"),
    pytest.param(date(2026, 1, 15), 13, date(2027, 2, 15), id="mid-month + 13 months"),
    pytest.param(date(2026, 1, 30), 1, date(2026, 2, 28), id="30 Jan + 1 month = 28 Feb"),
    pytest.param(date(2026, 1, 28), 1, date(2026, 2, 28), id="28 Jan + 1 month = 28 Feb (no clamp)"),
    pytest.param(date(2026, 5, 17), 0, date(2026, 5, 17), id="0 months"),
])
def test_add_months_uses_calendar_months(start, n, expected):
    assert add_months(start, n) == expected


def test_add_months_refuses_negative():
    with pytest.raises(ValueError, match="negative"):
        add_months(date(2026, 1, 1), -1)


# --- the schedule (P22) -------------------------------------------------------------------

# The closing note's example: infusion 31 January 2026, 36 months, every 3 months from year 3.
EXAMPLE_2026_01_31 = [
    ("Day 14", "2026-02-14"), ("Day 28 (month 1)", "2026-02-28"), ("Month 2", "2026-03-31"),
    ("Month 3", "2026-04-30"), ("Month 4", "2026-05-31"), ("Month 5", "2026-06-30"), ("Month 6", "2026-07-31"),
    ("Month 8", "2026-09-30"), ("Month 10", "2026-11-30"), ("Month 12", "2027-01-31"),
    ("Month 15", "2027-04-30"), ("Month 18", "2027-07-31"), ("Month 21", "2027-10-31"), ("Month 24", "2028-01-31"),
    ("Month 27", "2028-04-30"), ("Month 30", "2028-07-31"), ("Month 33", "2028-10-31"), ("Month 36", "2029-01-31"),
]


def test_schedule_for_31_january_has_every_visit_on_its_calendar_date():
    visits = plan(date(2026, 1, 31))
    assert [(v.label, v.date.isoformat()) for v in visits] == EXAMPLE_2026_01_31


def test_schedule_in_a_leap_year_lands_on_29_february_and_clamps_after():
    visits = {v.label: v.date for v in plan(date(2024, 1, 31), months=12)}
    assert visits["Day 28 (month 1)"] == date(2024, 2, 28)  # day 28 counts days, not months
    assert visits["Month 2"] == date(2024, 3, 31)
    from_leap_day = {v.label: v.date for v in plan(date(2024, 2, 29), months=48, today=date(2024, 3, 1))}
    assert from_leap_day["Month 12"] == date(2025, 2, 28)
    assert from_leap_day["Month 24"] == date(2026, 2, 28)
    assert from_leap_day["Month 48"] == date(2028, 2, 29)


@pytest.mark.consistency
def test_day_14_and_day_28_count_days_from_infusion():
    infusion = date(2026, 3, 10)
    visits = plan(infusion)
    d14, d28 = content.value("followup_schedule", "first_visit_day"), content.value("followup_schedule", "second_visit_day")
    assert (visits[0].day, visits[0].date) == (d14, infusion + timedelta(days=d14))
    assert (visits[1].day, visits[1].date) == (d28, infusion + timedelta(days=d28))


def test_cadence_changes_at_month_6_and_month_12_and_month_24():
    months = [m for m in months_of(plan(date(2026, 1, 31))) if m is not None]
    assert months == [1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 18, 21, 24, 27, 30, 33, 36]
    gaps = [b - a for a, b in zip(months, months[1:], strict=False)]
    assert gaps[:5] == [1] * 5                      # monthly within the first half year
    assert gaps[5:8] == [2, 2, 2]                   # 6 -> 8 -> 10 -> 12: every 2 months
    assert gaps[8:12] == [3, 3, 3, 3]               # year 2: every 3 months
    phases = {v.month: v.phase for v in plan(date(2026, 1, 31)) if v.month}
    assert (phases[6], phases[8]) == ("first_half_year", "months_6_to_12")  # month 6 is the last monthly visit
    assert (phases[12], phases[15]) == ("months_6_to_12", "year_2")
    assert (phases[24], phases[27]) == ("year_2", "year_3_on")


@pytest.mark.parametrize("every, expected", [
    pytest.param(3, [27, 30, 33, 36], id="P22 year 3: every 3 months (lower end)"),
    pytest.param(4, [28, 32, 36], id="P22 year 3: every 4 months"),
    pytest.param(5, [29, 34], id="P22 year 3: every 5 months"),
    pytest.param(6, [30, 36], id="P22 year 3: every 6 months (upper end)"),
])
def test_year_3_cadence_is_the_clinicians_choice_within_3_to_6_months(every, expected):
    visits = [v for v in plan(date(2026, 1, 31), year3_every_months=every) if v.phase == "year_3_on"]
    assert [v.month for v in visits] == expected
    previous = 24
    for v in visits:
        assert v.earliest == add_months(date(2026, 1, 31), previous + 3)
        assert v.latest == add_months(date(2026, 1, 31), previous + 6)
        assert v.earliest <= v.date <= v.latest
        previous = v.month


@pytest.mark.parametrize("every", [pytest.param(2, id="just below 3"), pytest.param(7, id="just above 6")])
def test_year_3_cadence_outside_3_to_6_months_is_refused(every):
    with pytest.raises(ValidationError, match="3-6 months"):
        plan(date(2026, 1, 31), year3_every_months=every)


def test_visits_before_year_3_have_no_window():
    assert all(not v.is_window for v in plan(date(2026, 1, 31)) if v.phase != "year_3_on")


def test_months_bounds_the_plan():
    assert months_of(plan(date(2026, 1, 31), months=6))[-1] == 6
    assert months_of(plan(date(2026, 1, 31), months=1)) == [None, 1]
    assert len(plan(date(2026, 1, 31), months=120)) > 0
    with pytest.raises(ValidationError):
        plan(date(2026, 1, 31), months=0)
    with pytest.raises(ValidationError):
        plan(date(2026, 1, 31), months=121)


def test_schedule_numbers_come_from_content(monkeypatch):
    real = content.value

    def fake(rec_id, key):
        if (rec_id, key) == ("followup_schedule", "first_visit_day"):
            return 10
        if (rec_id, key) == ("followup_schedule", "year2_every_months"):
            return 4
        return real(rec_id, key)

    monkeypatch.setattr(followup.content, "value", fake)
    visits = plan(date(2026, 1, 31))
    assert visits[0].label == "Day 10"
    assert [v.month for v in visits if v.phase == "year_2"] == [16, 20, 24]


# --- infusion date bounds -----------------------------------------------------------------


def test_infusion_on_1_january_2016_is_accepted():
    assert plan(date(2016, 1, 1))


def test_infusion_before_2016_is_refused_with_the_reason():
    with pytest.raises(ValidationError, match="before 2016, the year of the first BCMA CAR-T report"):
        plan(date(2015, 12, 31))
    assert followup.infusion_date_problem(date(2015, 12, 31), TODAY) == "before_2016"


def test_infusion_a_year_ahead_is_accepted_and_one_day_more_is_refused():
    limit = TODAY + timedelta(days=followup.MAX_DAYS_AHEAD)
    assert plan(limit)
    assert followup.infusion_date_problem(limit, TODAY) is None
    with pytest.raises(ValidationError, match="check the year"):
        plan(limit + timedelta(days=1))
    assert followup.infusion_date_problem(limit + timedelta(days=1), TODAY) == "too_far_ahead"


@settings(max_examples=100, deadline=None)
@given(today=st.dates(min_value=date(2016, 1, 1), max_value=date(2200, 1, 1)),
       back=st.integers(-followup.MAX_DAYS_AHEAD, 3650))
def test_any_today_gives_a_schedule_or_a_validation_error(today, back):
    # The infusion is drawn around `today` (up to a year ahead, ten years back), so nearly every
    # draw is an accepted schedule and the assertion runs.
    infusion = max(today - timedelta(days=back), date(2016, 1, 1))
    visits = schedule(infusion, today=today, months=120)
    assert visits[0].date == infusion + timedelta(days=14) and visits[-1].date > infusion


def test_schedule_without_today_uses_the_real_date():
    # The default is the server's date; checked without reading the clock in the test.
    assert followup.ScheduleRequest.model_fields["today"].default_factory == date.today


# --- what to assess -----------------------------------------------------------------------


# P22 「评估的指标包括M蛋白定量、血清蛋白电泳、免疫固定电泳及游离轻链检测、骨髓细胞学、MRD」 lists what
# to assess, not a marrow at every visit (review M2): the blood tests at each visit, marrow cytology
# and MRD when indicated (the app's reading of P22).
P22_RESPONSE = ("m_protein", "serum_protein_electrophoresis", "immunofixation", "free_light_chains")
P22_WHEN_INDICATED = ("bone_marrow_cytology", "mrd")


def test_response_assessments_are_the_p22_list():
    assert followup.RESPONSE_ASSESSMENTS == P22_RESPONSE
    assert followup.WHEN_INDICATED == P22_WHEN_INDICATED


def by_label(visits):
    return {v.label: v for v in visits}


def test_every_visit_assesses_response_adverse_effects_infection_and_biosafety():
    for v in plan(date(2026, 1, 31)):
        for code in (*P22_RESPONSE, "adverse_effects", "infection", "long_term_biosafety"):
            assert code in v.assessments, (v.label, code)
        for code in P22_WHEN_INDICATED:  # review M2: not a marrow at every visit
            assert code not in v.assessments, (v.label, code)
        assert tuple(v.when_indicated) == P22_WHEN_INDICATED, v.label
        assert v.recommendation_id == "followup_schedule"
        assert {"followup_assessments", "followup_long_term_biosafety"} <= set(v.recommendation_ids)


def test_igg_is_checked_monthly_for_the_first_3_months_only():
    visits = plan(date(2026, 1, 31))
    with_igg = [v.month for v in visits if "igg" in v.assessments]
    assert with_igg == [1, 2, 3]
    assert content.value("ivig_replacement", "monitor_months") == 3


def test_pjp_prophylaxis_runs_at_least_3_months():
    visits = by_label(plan(date(2026, 1, 31)))
    assert "pjp_prophylaxis" in visits["Day 14"].assessments
    assert "pjp_prophylaxis" in visits["Month 2"].assessments
    assert "pjp_review" in visits["Month 3"].assessments and "pjp_prophylaxis" not in visits["Month 3"].assessments
    assert not {"pjp_prophylaxis", "pjp_review"} & set(visits["Month 4"].assessments)
    assert followup.pjp_prophylaxis_until(date(2026, 1, 31)) == date(2026, 4, 30)


def test_no_extramedullary_imaging_without_extramedullary_disease():
    assert not any(c.startswith("emd_") for v in plan(date(2026, 1, 31)) for c in v.assessments)


def test_extramedullary_imaging_at_1_month_and_pet_ct_considered_from_3_months():
    visits = by_label(plan(date(2026, 3, 1), extramedullary=True))
    assert not any(c.startswith("emd_") for c in visits["Day 14"].assessments)
    # 「1个月后」: day 28 (29 March) is before 1 April, so no imaging yet (review m11; failed before the fix).
    assert not any(c.startswith("emd_") for c in visits["Day 28 (month 1)"].assessments)
    assert followup.emd_imaging_from(date(2026, 3, 1)) == date(2026, 4, 1)
    assert "emd_imaging" in visits["Month 2"].assessments
    assert "emd_imaging_or_pet_ct" in visits["Month 3"].assessments  # PET-CT from month 3, not before
    assert "emd_imaging_or_pet_ct" not in visits["Month 2"].assessments
    assert "followup_extramedullary" in visits["Month 3"].recommendation_ids


@pytest.mark.parametrize("infusion, at_day_28", [
    pytest.param(date(2026, 3, 1), False, id="day 28 = 29 Mar, before 1 month (1 Apr): no imaging"),
    pytest.param(date(2026, 2, 1), True, id="day 28 = 1 Mar = 1 calendar month after 1 Feb: imaging"),
])
def test_extramedullary_imaging_starts_on_the_first_visit_from_1_month(infusion, at_day_28):
    visits = plan(infusion, extramedullary=True)
    day28 = next(v for v in visits if v.day == 28)
    assert ("emd_imaging" in day28.assessments) is at_day_28
    first = next(v for v in visits if "emd_imaging" in v.assessments)
    assert first.date >= followup.emd_imaging_from(infusion)


def test_marrow_and_mrd_are_when_indicated_not_at_every_visit():
    # Review M2: P22 lists what to assess, not a marrow at each visit (about 20 marrows in 3 years).
    # Failed before the fix: bone_marrow_cytology and mrd were in every visit's assessments.
    visits = plan(date(2026, 1, 31))
    for v in visits:
        assert not {"bone_marrow_cytology", "mrd"} & set(v.assessments), v.label
        assert v.when_indicated == ["bone_marrow_cytology", "mrd"]
        assert {"m_protein", "serum_protein_electrophoresis", "immunofixation", "free_light_chains",
                "adverse_effects"} <= set(v.assessments)
    assert followup.Visit.model_fields["when_indicated"].annotation == list[str]  # the contract's field


def test_every_recommendation_a_visit_names_exists():
    for v in plan(date(2026, 1, 31), extramedullary=True):
        for rec_id in v.recommendation_ids:
            content.recommendation(rec_id)


# --- where the patient is today -----------------------------------------------------------


def test_progress_day_next_visit_and_overdue():
    infusion = date(2026, 1, 31)
    visits = plan(infusion)
    prog = progress(visits, infusion, date(2026, 4, 10))
    assert prog.day == 69
    assert prog.next_visit.label == "Month 3"
    assert [v.label for v in prog.overdue] == ["Day 14", "Day 28 (month 1)", "Month 2"]
    prog = progress(visits, infusion, date(2026, 4, 10), done=frozenset({"Day 14", "Month 2"}))
    assert [v.label for v in prog.overdue] == ["Day 28 (month 1)"]
    assert [v.label for v in prog.done] == ["Day 14", "Month 2"]


def test_visit_day_itself_is_due_not_overdue_and_the_next_day_is_overdue():
    infusion = date(2026, 1, 31)
    visits = plan(infusion)
    on_day = progress(visits, infusion, date(2026, 2, 14))
    assert on_day.next_visit.label == "Day 14" and [v.label for v in on_day.due_today] == ["Day 14"]
    assert on_day.overdue == []
    after = progress(visits, infusion, date(2026, 2, 15))
    assert [v.label for v in after.overdue] == ["Day 14"]


def test_year_3_visit_is_overdue_only_after_its_window():
    infusion = date(2026, 1, 31)
    visits = plan(infusion, today=date(2026, 1, 31))
    m27 = by_label(visits)["Month 27"]
    done = frozenset(v.label for v in visits if v.month is None or v.month < 27)
    inside = progress(visits, infusion, m27.latest, done=done)
    assert m27 in inside.due_today and m27 not in inside.overdue
    after = progress(visits, infusion, m27.latest + timedelta(days=1), done=done)
    assert m27 in after.overdue


def test_before_a_planned_infusion_the_day_is_negative_and_nothing_is_overdue():
    infusion = TODAY + timedelta(days=5)
    prog = progress(plan(infusion), infusion, TODAY)
    assert prog.day == -5 and prog.overdue == [] and prog.next_visit.label == "Day 14"


def test_after_the_last_visit_there_is_no_next_visit():
    infusion = date(2020, 1, 1)
    visits = plan(infusion, months=12)
    prog = progress(visits, infusion, date(2022, 1, 1), done=frozenset(v.label for v in visits))
    assert prog.next_visit is None and prog.overdue == []


# --- IgG replacement (P18, ivig_replacement) ----------------------------------------------


@pytest.mark.parametrize("igg, infection, expected", [
    pytest.param(0.0, False, "replace", id="P18 IgG 0 (lower bound) -> replace"),
    pytest.param(3.99, False, "replace", id="P18 IgG <4 without infection -> replace"),
    pytest.param(3.99, True, "replace", id="P18 IgG <4 with infection -> replace"),
    pytest.param(4.0, False, "monitor", id="P18 IgG 4.0 without infection -> monitor (no rule)"),
    pytest.param(4.0, True, "replace", id="P18 IgG 4-6 with infection -> replace (at 4.0)"),
    pytest.param(5.0, True, "replace", id="P18 IgG 4-6 with infection -> replace (5)"),
    pytest.param(5.0, False, "monitor", id="P18 IgG 4-6 without infection -> monitor"),
    pytest.param(6.0, True, "replace", id="P18 IgG exactly 6.0 with infection -> replace (app's note)"),
    pytest.param(6.0, False, "monitor", id="P18 IgG 6.0 without infection -> monitor"),
    pytest.param(6.01, True, "assess_further", id="P18 IgG >6 with infection -> assess further"),
    pytest.param(6.01, False, "monitor", id="P18 IgG >6 without infection -> monitor"),
    pytest.param(60.0, True, "assess_further", id="IgG 60 (upper bound) with infection"),
])
def test_ivig_decision(igg, infection, expected):
    assert ivig_decision(igg, infection) == expected


def test_the_6_0_edge_is_the_apps_documented_reading():
    rec = content.recommendation("ivig_replacement")
    assert any("6.0" in n.en for n in rec.notes)
    assert content.value("ivig_replacement", "replace_with_infection_max_g_l") == 6


@pytest.mark.parametrize("igg", [
    pytest.param(-0.01, id="just below 0"), pytest.param(60.01, id="just above 60"),
    pytest.param(math.nan, id="NaN"), pytest.param(math.inf, id="infinity"), pytest.param(450, id="mg/dL value"),
])
def test_ivig_decision_refuses_igg_outside_0_to_60(igg):
    with pytest.raises(ValidationError):
        ivig_decision(igg, True)
    with pytest.raises(ValidationError):
        ivig_assessment(igg, None)


def test_ivig_assessment_with_infection_not_assessed():
    assert ivig_assessment(3.0).decision == "replace" and not ivig_assessment(3.0).incomplete
    five = ivig_assessment(5.0)
    assert five.incomplete and five.decision is None
    assert (five.if_infection, five.if_no_infection, five.band) == ("replace", "monitor", "4_to_6")
    seven = ivig_assessment(7.0)
    assert seven.incomplete and (seven.if_infection, seven.if_no_infection) == ("assess_further", "monitor")
    assert ivig_assessment(7.0, True).decision == "assess_further"
    assert ivig_assessment(7.0, False).decision == "monitor"


def test_igg_unit_hint_spots_mg_dl():
    assert followup.igg_unit_hint(450) == "mg_dl"
    assert followup.igg_unit_hint(100) == "mg_dl"
    assert followup.igg_unit_hint(99.9) is None  # 60-100 could be either unit: the range message says so
    assert followup.igg_unit_hint(60.5) is None
    assert followup.igg_unit_hint(6001) is None


@settings(max_examples=100, deadline=None)
@given(infusion=st.dates(min_value=date(2016, 1, 1), max_value=TODAY + timedelta(days=366)),
       emd=st.booleans(), months=st.integers(1, 120), every=st.integers(3, 6))
def test_schedule_is_ordered_and_after_infusion(infusion, emd, months, every):
    visits = plan(infusion, extramedullary=emd, months=months, year3_every_months=every)
    dates = [v.date for v in visits]
    assert dates == sorted(dates) and len(set(dates)) == len(dates)
    assert dates[0] > infusion
    assert all(v.day == (v.date - infusion).days for v in visits)
    assert all(v.month is None or v.month <= months for v in visits)
    assert all(v.earliest <= v.date <= v.latest for v in visits if v.is_window)


# --- exports ------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_ics_parses_back_with_the_same_events(lang):
    visits = plan(date(2026, 1, 31), extramedullary=True)
    cal = icalendar.Calendar.from_ical(calendar_export.ics_bytes(visits, lang))
    events = list(cal.walk("VEVENT"))
    assert len(events) == len(visits)
    uids = set()
    for event, visit in zip(events, visits, strict=True):
        assert event.decoded("dtstart") == visit.date
        assert event.decoded("dtend") == visit.date + timedelta(days=1)
        assert calendar_export.visit_label(visit, lang) in str(event["summary"])
        description = str(event["description"])
        for text in calendar_export.assessment_texts(visit, lang):
            assert text in description
        # Review M2: no marrow or MRD in any event (failed before the fix: in every event).
        for code in ("bone_marrow_cytology", "mrd"):
            assert calendar_export.text(lang, f"followup.assess.{code}") not in description
        if visit.is_window:
            assert visit.earliest.isoformat() in description and visit.latest.isoformat() in description
        uids.add(str(event["uid"]))
    assert len(uids) == len(visits)
    assert str(cal["version"]) == "2.0" and cal["prodid"]


def test_ics_uid_is_stable_so_a_reimport_updates():
    visits = plan(date(2026, 1, 31))
    a = icalendar.Calendar.from_ical(calendar_export.ics_bytes(visits, "en"))
    b = icalendar.Calendar.from_ical(calendar_export.ics_bytes(visits, "zh"))
    assert [str(e["uid"]) for e in a.walk("VEVENT")] == [str(e["uid"]) for e in b.walk("VEVENT")]


def test_csv_has_one_row_per_visit_in_the_chosen_language():
    visits = plan(date(2026, 1, 31))
    raw = calendar_export.csv_bytes(visits, "zh")
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][0] == "日期"
    assert [r[0] for r in rows[1:]] == [v.date.isoformat() for v in visits]
    assert rows[2][1] == "第28天(第1个月)"
    assert rows[0][-1] == "必要时" and all("骨髓" not in r[5] and "骨髓细胞学" in r[6] for r in rows[1:])


def test_printable_html_escapes_every_text(monkeypatch):
    monkeypatch.setattr(calendar_export, "text", lambda lang, key, **kw: "<script>alert(1)</script>")
    out = calendar_export.printable_html(plan(date(2026, 1, 31)), "en", infusion=date(2026, 1, 31),
                                         extramedullary=False, generated=NOW).decode()
    assert "<script>" not in out and "&lt;script&gt;" in out


def test_printable_html_holds_every_visit_and_the_quote():
    visits = plan(date(2026, 1, 31))
    out = calendar_export.printable_html(visits, "en", infusion=date(2026, 1, 31), extramedullary=True,
                                         generated=NOW).decode()
    assert all(v.date.isoformat() in out for v in visits)
    assert content.recommendation("followup_schedule").quote_zh[:20] in out
    assert "Decision support only" in out
    assert "When indicated, not at every visit" in out and "<li>Bone marrow cytology</li>" not in out
    assert "imaging from 2026-02-28" in out


@settings(max_examples=200, deadline=None)
@given(infusion=st.dates(), emd=st.booleans(), months=st.integers(-10, 200), every=st.integers(0, 10))
def test_schedule_never_raises_anything_but_a_validation_error(infusion, emd, months, every):
    try:
        visits = plan(infusion, extramedullary=emd, months=months, year3_every_months=every)
    except ValidationError:
        assert (followup.infusion_date_problem(infusion, TODAY) is not None
                or not 1 <= months <= followup.MAX_MONTHS or not 3 <= every <= 6)
        return
    assert visits and visits[0].day == 14


@pytest.mark.parametrize("isotype, caveat", [
    pytest.param("IgG", "igg_isotype", id="IgG myeloma: total IgG includes the M-protein"),
    pytest.param(None, "isotype_not_stated", id="isotype not given: the caveat may apply"),
    pytest.param("IgA", None, id="IgA myeloma: total IgG is polyclonal"),
    pytest.param("light_chain_only", None, id="light-chain myeloma"),
])
def test_igg_isotype_caveat(isotype, caveat):
    # Review M8: no caveat existed (failed before the fix: ivig_assessment took no isotype).
    # At both sides of the 6 g/L edge the decision is unchanged; only the app's note is added.
    for igg, infection, decision in ((6.0, True, "replace"), (6.01, True, "assess_further"), (4.0, False, "monitor")):
        result = followup.ivig_assessment(igg, infection, isotype)
        assert result.decision == decision and result.isotype_caveat == caveat
        assert result.isotype == isotype   # the isotype the caveat was computed from is carried with it


def test_igg_isotype_refuses_an_unknown_value():
    with pytest.raises(ValidationError):
        followup.ivig_assessment(5.0, True, "IgE")


# --- the printed plan (issue 15 item 6) -----------------------------------------------------------

NOW = datetime(2026, 3, 1, 9, 30)


@pytest.mark.parametrize(("lang", "warning"), [("en", "Dates missing: no infusion date entered"),
                                               ("zh", "日期未填:回输日期未输入")])
def test_printed_plan_has_handwritten_lines_10_pt_zone_version_and_warns_iff_no_infusion_date(lang, warning):
    visits = plan(date(2026, 1, 31))
    dated = calendar_export.printable_html(visits, lang, infusion=date(2026, 1, 31), extramedullary=True,
                                           generated=NOW, zone="UTC+8", version="9.9.9").decode()
    undated = calendar_export.printable_html(visits, lang, infusion=None, extramedullary=True,
                                             generated=NOW, zone="UTC+8", version="9.9.9").decode()
    for page in (dated, undated):
        for label in ("患者姓名 / Name", "病历号 / MRN", "床号 / Bed"):
            assert f"<span>{label} <i></i></span>" in page
        sizes = print_samples.font_sizes_pt(page)
        assert sizes and min(sizes) >= 10, sizes
        assert "2026-03-01 09:30" in page and "UTC+8" in page and "9.9.9" in page and "2022;43(4)" in page
        assert all(calendar_export.visit_label(v, lang) in page for v in visits)  # every visit listed
    assert warning not in dated and all(v.date.isoformat() in dated for v in visits)
    assert warning in undated and not any(v.date.isoformat() in undated for v in visits)  # no invented date


def test_printed_plan_escapes_zone_and_version():
    page = calendar_export.printable_html(plan(date(2026, 1, 31)), "en", infusion=None, extramedullary=False,
                                          generated=NOW, zone="<i>z</i>", version="<script>").decode()
    assert "<script>" not in page and "&lt;i&gt;z&lt;/i&gt;" in page
