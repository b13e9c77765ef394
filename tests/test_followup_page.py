"""AppTest flows for /followup: schedule, today's position, refusals, IgG rule, exports."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import icalendar
import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent



def schedule(at) -> list[list[str]]:
    """The schedule's rows as shown: the one Markdown table (header and alignment rows dropped)."""
    table = next(m.value for m in at.markdown if m.value.startswith("| "))
    return [[c.strip() for c in line.strip().strip("|").split(" | ")] for line in table.splitlines()[2:]]

def open_followup(lang: str = "en", **params: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["lang"] = lang
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    at.switch_page("pages/followup.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def shown(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [str(x.value) for kind in (at.error, at.warning, at.success, at.info) for x in kind]
    return "\n".join(parts)


def test_without_a_date_the_page_asks_for_it():
    at = open_followup()
    assert any("Enter the infusion date" in i.value for i in at.info)
    assert not at.metric


@pytest.mark.parametrize("lang, day, next_visit", [
    ("en", "Day +69", "Month 3"), ("zh", "第+69天", "第3个月"),
])
def test_linked_dates_show_day_next_visit_and_overdue(lang, day, next_visit):
    at = open_followup(lang, infusion="2026-01-31", today="2026-04-10")
    assert [m.value for m in at.metric] == [day, next_visit]
    errors = " ".join(e.value for e in at.error)
    assert "2026-02-14" in errors and "2026-03-31" in errors  # day 14 and month 2 are overdue
    assert "2026-04-30" in shown(at)  # PJP at least until, monthly IgG until


def test_marking_visits_done_clears_them_from_overdue():
    at = open_followup(infusion="2026-01-31", today="2026-04-10")
    at.multiselect(key="followup_done").set_value(["Day 14", "Day 28 (month 1)", "Month 2"]).run()
    assert not at.exception
    assert not at.error
    assert any("Nothing overdue" in s.value for s in at.success)


def test_typed_infusion_date_builds_the_schedule():
    at = open_followup(today="2026-04-10")
    at.date_input(key="followup_infusion").set_value(date(2026, 3, 1)).run()
    assert not at.exception
    assert at.metric[0].value == "Day +40"
    rows = schedule(at)
    assert rows[0][0] == "2026-03-15" and len(rows) == 18


@pytest.mark.parametrize("lang, infusion, message", [
    ("en", "2015-12-31", "before 2016"),
    ("en", "2030-01-01", "more than a year from today"),
    ("zh", "2015-12-31", "早于2016年"),
])
def test_implausible_infusion_date_is_refused_with_the_reason_and_inputs_are_kept(lang, infusion, message):
    at = open_followup(lang, infusion=infusion, today="2026-04-10", emd="1", igg="5")
    assert any(message in e.value for e in at.error)
    assert not at.metric
    assert at.date_input(key="followup_infusion").value == date.fromisoformat(infusion)
    assert at.checkbox(key="followup_emd").value is True
    assert at.number_input(key="followup_igg").value == 5.0


def test_bad_link_values_are_ignored_with_a_message():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    for k, v in {"lang": "en", "infusion": "31/01/2026", "igg": "lots", "infection": "maybe"}.items():
        at.query_params[k] = v
    # the infusion date is the patient strip's: the first page a link opens names it (here: home)
    first = " ".join(w.value for w in at.run().warning)
    at.switch_page("pages/followup.py").run()
    warnings = first + " ".join(w.value for w in at.warning)
    assert "31/01/2026" in warnings and "lots" in warnings and "maybe" in warnings


@pytest.mark.parametrize("igg, infection, expected", [
    pytest.param("3", None, "Give immunoglobulin (IVIG) replacement", id="P18 <4 g/L: replace, infection unknown"),
    pytest.param("6", "1", "Give immunoglobulin (IVIG) replacement", id="P18 6.0 with infection: replace"),
    pytest.param("6.5", "1", "Assess IgG, IgA, IgM and B-cell counts further", id="P18 >6 with infection"),
    pytest.param("5", "0", "Monitor", id="P18 4-6 without infection: monitor"),
    pytest.param("5", None, "Incomplete: infection not assessed", id="4-6, infection not assessed"),
])
def test_igg_rule(igg, infection, expected):
    params = {"igg": igg} | ({"infection": infection} if infection else {})
    at = open_followup(**params)
    assert expected in shown(at)
    assert "丙种球蛋白替代治疗" in shown(at)  # the quote


@pytest.mark.parametrize("value, message", [
    pytest.param(450.0, "looks like mg/dL", id="mg/dL value"),
    pytest.param(-1.0, "cannot be negative", id="negative"),
    pytest.param(60.5, "outside 0-60 g/L", id="just above 60"),
])
def test_igg_out_of_range_is_refused_next_to_the_field_and_inputs_kept(value, message):
    at = open_followup(infusion="2026-01-31", today="2026-04-10", infection="1")
    at.number_input(key="followup_igg").set_value(value).run()
    assert not at.exception
    assert any(message in e.value for e in at.error)
    assert at.number_input(key="followup_igg").value == value
    assert at.segmented_control(key="followup_infection").value == "yes"
    assert at.metric[0].value == "Day +69"


def test_igg_at_the_limits_is_accepted():
    for value in (0.0, 60.0):
        at = open_followup()
        at.number_input(key="followup_igg").set_value(value).run()
        assert not at.exception and not at.error


def test_extramedullary_adds_imaging_to_the_visit_details():
    at = open_followup(infusion="2026-01-31", today="2026-04-10", emd="1")
    at.selectbox(key="followup_detail").set_value("Month 3").run()
    assert "PET-CT may be considered" in shown(at)


def test_year_3_cadence_choice_changes_the_schedule():
    at = open_followup(infusion="2026-01-31", today="2026-04-10")
    at.select_slider(key="followup_year3").set_value(6).run()
    rows = schedule(at)
    assert [r[1] for r in rows[-2:]] == ["Month 30", "Month 36"]
    assert rows[-1][3] == "2028-10-31 to 2029-01-31"


def test_exports_are_offered_and_the_calendar_parses():
    at = open_followup(infusion="2026-01-31", today="2026-04-10")
    buttons = at.get("download_button")
    assert len(buttons) == 3
    from logic import calendar_export, followup
    visits = followup.schedule(date(2026, 1, 31), today=date(2026, 4, 10))
    events = list(icalendar.Calendar.from_ical(calendar_export.ics_bytes(visits, "en")).walk("VEVENT"))
    assert len(events) == len(schedule(at))


@pytest.mark.parametrize("lang, every, when", [
    ("en", "At every visit:", "When indicated, not at every visit"), ("zh", "每次随访均评估", "必要时进行"),
])
def test_marrow_and_mrd_are_shown_when_indicated_not_at_every_visit(lang, every, when):
    # Review M2: failed before the fix ("At every visit: …; Bone marrow cytology; MRD; …").
    at = open_followup(lang, infusion="2026-01-31", today="2026-04-10")
    every_line = next(c.value for c in at.caption if every in c.value)
    assert "Bone marrow" not in every_line and "骨髓" not in every_line
    assert any(when in c.value and ("Bone marrow cytology" in c.value or "骨髓细胞学" in c.value) for c in at.caption)


def test_igg_isotype_note_appears_for_igg_myeloma():
    # Review M8: failed before the fix (no isotype input, no note).
    at = open_followup(igg="5", infection="0")
    assert any("If the myeloma is IgG-isotype" in c.value for c in at.caption)
    at.selectbox(key="followup_isotype").set_value("IgG").run()
    assert any("total serum IgG includes the monoclonal protein" in w.value for w in at.warning)
    assert "Monitor" in shown(at)
    at.selectbox(key="followup_isotype").set_value("IgA").run()
    assert not any("monoclonal protein" in x for x in shown(at).splitlines())


def _plan_frames(at: AppTest) -> list[str]:
    return [e.proto.srcdoc for e in at.get("iframe") if 'data-sheet="followup-plan"' in e.proto.srcdoc]


@pytest.mark.parametrize(("lang", "warning"), [("en", "Dates missing: no infusion date entered"),
                                               ("zh", "日期未填:回输日期未输入")])
def test_the_plan_has_a_print_button_with_or_without_an_infusion_date(lang, warning):
    dated = open_followup(lang, infusion="2026-01-31", today="2026-04-10")
    frames = _plan_frames(dated)
    assert len(frames) == 1 and "2026-02-14" in frames[0] and warning not in frames[0]
    assert warning not in shown(dated)
    undated = open_followup(lang, today="2026-04-10")
    frames = _plan_frames(undated)
    assert len(frames) == 1 and warning in frames[0]
    assert warning in shown(undated)
