"""Review U12 / issue 15 item 4: a washout still running is "not yet" (never "not met" in what is
shown), and a survival estimate may be given in months (1 month = 30.4375 / 7 weeks, the app's
convention), judged against the consensus's 「>12周」 on both sides of the edge in each unit."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from logic import eligibility as elig
from logic.models import CriterionResult

NOW = datetime(2026, 12, 2, 9, 30)
ONE_MIN = timedelta(minutes=1)
WINDOWS = {"anti_t_cell_antibody": timedelta(weeks=8), "lenalidomide": timedelta(weeks=2),
           "vincristine": timedelta(weeks=1), "therapeutic_corticosteroids": timedelta(hours=72)}


@pytest.mark.parametrize("exposure", list(WINDOWS))
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_washout_edge_wording(exposure, lang):
    """Last exposure so the window ends 1 min after now (not yet), at now and 1 min before (met)."""
    window = WINDOWS[exposure]
    for offset, expect in ((ONE_MIN, "not_yet"), (timedelta(0), "met"), (-ONE_MIN, "met")):
        clear = NOW + offset
        got = elig.earliest_apheresis({exposure: clear - window}, now=NOW, lang=lang, zone="UTC+8")
        item = got.items[0]
        assert elig.display_status(item) == expect, (exposure, offset)
        if expect == "not_yet":
            assert item.status == "not_met"  # the contract's status, kept
            assert item.not_before == clear
            phrase = ("洗脱期未满,至" if lang == "zh" else "not yet: washout ends ")
            assert phrase in item.message and f"{clear:%Y-%m-%d %H:%M}" in item.message
            assert "UTC+8" in item.message and "不符合" not in item.message and "Not met" not in item.message
            assert elig.washout_verdict(got) == "not_yet"
        else:
            assert item.status == "met" and item.not_before is None
            assert elig.washout_verdict(got) == "clear"


def test_planned_date_edges():
    """Against a planned collection date the same edge holds (00:00 of the planned day)."""
    planned = datetime(2026, 12, 10)
    for offset, expect in ((ONE_MIN, "not_yet"), (-ONE_MIN, "met")):
        last = planned + offset - timedelta(weeks=2)
        got = elig.earliest_apheresis({"lenalidomide": last}, now=NOW, planned=planned)
        assert elig.display_status(got.items[0]) == expect


def test_bare_date_counts_from_day_end():
    got = elig.earliest_apheresis({"lenalidomide": date(2026, 11, 22)}, now=NOW, lang="zh")
    assert got.items[0].not_before == datetime(2026, 12, 7)
    assert "至2026-12-07 00:00满足" in got.items[0].message  # no zone known: none invented


def test_aware_times_carry_their_zone():
    from zoneinfo import ZoneInfo
    tz = ZoneInfo("Asia/Shanghai")
    got = elig.earliest_apheresis({"lenalidomide": datetime(2026, 11, 25, 8, 0, tzinfo=tz)},
                                  now=datetime(2026, 12, 2, 9, 0, tzinfo=tz), lang="en")
    assert "washout ends 2026-12-09 08:00 (UTC+8)" in got.items[0].message


def _all_met() -> dict:
    from tests.test_eligibility import COMPLETE
    return dict(COMPLETE)


def _ready_report() -> elig.EligibilityReport:
    return elig.evaluate(elig.Baseline(**_all_met()))


def test_overall_verdict_not_yet_when_only_washouts_block():
    report = _ready_report()
    assert report.verdict == "eligible"
    running = elig.earliest_apheresis({"lenalidomide": NOW - timedelta(days=3)}, now=NOW)
    done = elig.earliest_apheresis({"lenalidomide": NOW - timedelta(days=30)}, now=NOW)
    assert elig.overall_verdict(report, [], running) == "not_yet"
    assert elig.overall_verdict(report, [], done) == "eligible"
    assert elig.overall_verdict(report, [], None) == "eligible"
    # Another not-met item still makes it "not eligible"; an unassessed one "incomplete".
    bad = elig.evaluate(elig.Baseline(**{**_all_met(), "active_infection": True}))
    assert elig.overall_verdict(bad, [], running) == "not_eligible"
    partial = elig.evaluate(elig.Baseline(**{**_all_met(), "active_infection": None}))
    assert elig.overall_verdict(partial, [], running) == "incomplete"


@pytest.mark.parametrize(("value", "unit", "status"), [
    pytest.param(3, "months", "met", id="3 months = 13.0 weeks > 12: met"),
    pytest.param(2.7, "months", "not_met", id="2.7 months = 11.7 weeks: not met"),
    pytest.param(2.76, "months", "met", id="2.76 months = 12.001 weeks: met"),
    pytest.param(2.75, "months", "not_met", id="2.75 months = 11.96 weeks: not met"),
    pytest.param(12, "weeks", "not_met", id="12 weeks (not >12): not met"),
    pytest.param(12.1, "weeks", "met", id="12.1 weeks: met"),
    pytest.param(6, "months", "met", id="6 months (the review's '6'): met"),
    pytest.param(6, "weeks", "not_met", id="6 weeks: not met"),
])
def test_survival_units_edges(value, unit, status):
    item = next(i for i in elig.evaluate(elig.Baseline(**elig.survival_input(value, unit))).items
                if i.id == "life_expectancy")
    assert item.status == status


def test_survival_months_working_shown():
    b = elig.Baseline(**elig.survival_input(3, "months"))
    assert b.life_expectancy_weeks == pytest.approx(3 * 30.4375 / 7)
    zh = next(i for i in elig.evaluate(b, "zh").items if i.id == "life_expectancy").message
    en = next(i for i in elig.evaluate(elig.Baseline(life_expectancy_months=2.7), "en").items
              if i.id == "life_expectancy").message
    assert "3个月≈13.0周" in zh and "30.4375" in zh
    assert "2.7 months ≈ 11.7 weeks is not more than 12 weeks" in en and "30.4375" in en
    edge = next(i for i in elig.evaluate(elig.Baseline(life_expectancy_months=2.76), "en").items
                if i.id == "life_expectancy").message
    assert "12.001 weeks" in edge  # one decimal would read as the limit itself


def test_survival_weeks_literal():
    # 1 month = 30.4375 / 7 weeks: 3 months = 13.044642857142858 weeks; weeks stay weeks.
    assert (elig.survival_weeks(3, "months"), elig.survival_weeks(10, "weeks")) == (13.044642857142858, 10.0)


def test_survival_weeks_shown_to_at_most_4_decimals_near_the_limit():
    # 2.759754 months = 12.0000019 weeks: 1-3 decimals would read 12.0, 4 decimals is the most shown.
    msg = next(i for i in elig.evaluate(elig.Baseline(life_expectancy_months=2.759754), "en").items
               if i.id == "life_expectancy").message
    assert msg == ("Expected survival 2.76 months ≈ 12.0000 weeks > 12 weeks "
                   "(app's conversion: 1 month = 30.4375 days / 7).")


@pytest.mark.parametrize(("field", "bad"), [("life_expectancy_months", -1), ("life_expectancy_months", 240),
                                             ("life_expectancy_weeks", 1041)])
def test_survival_refused_in_page_language(field, bad):
    zh = elig.input_errors(elig.Baseline, {field: bad}, "zh")[field]
    assert zh.startswith("预计生存期") and ("个月" if "months" in field else "周") in zh


def test_survival_two_values_refused():
    assert elig.input_errors(elig.Baseline, {"life_expectancy_weeks": 10, "life_expectancy_months": 3}, "en")
    assert not elig.input_errors(elig.Baseline, {"life_expectancy_weeks": 3 * elig.WEEKS_PER_MONTH,
                                                 "life_expectancy_months": 3}, "en")


def test_washout_verdict_none_without_exposures():
    assert elig.washout_verdict(elig.earliest_apheresis({}, now=NOW)) == "none"


def test_verdict_conditions_of_a_report_without_a_performance_item():
    assert elig.verdict_conditions(elig.EligibilityReport(verdict="eligible", items=[])) == []


@pytest.mark.parametrize(("status", "verdict"), [("not_met", "not_eligible"), ("unknown", "incomplete"),
                                                 ("caution", "needs_review"), ("met", "eligible")])
def test_overall_verdict_counts_a_window_item_that_is_not_a_running_washout(status, verdict):
    # A window built by a caller: its item has no not_before, so it counts like any other item.
    item = CriterionResult(id="lenalidomide", status=status, message="lenalidomide", recommendation_id="washout_2_weeks")
    window = elig.ApheresisWindow(earliest=NOW, binding="lenalidomide", items=[item])
    assert elig.overall_verdict(_ready_report(), [], window) == verdict


def test_overall_verdict_not_yet_also_when_the_rest_needs_review():
    # Cardiac amyloidosis is "caution" (needs review); a running washout still makes it "not yet".
    report = elig.evaluate(elig.Baseline(**{**_all_met(), "cardiac_amyloidosis": True}))
    assert report.verdict == "needs_review"
    running = elig.earliest_apheresis({"lenalidomide": NOW - timedelta(days=3)}, now=NOW)
    assert elig.overall_verdict(report, [], running) == "not_yet"


def test_washout_items_and_windows_word_for_word():
    elapsed = elig.earliest_apheresis({"lenalidomide": NOW - timedelta(days=30)}, now=NOW)
    assert elapsed.items[0].message == "Lenalidomide: last 2026-11-02 09:30; 2-week washout; clear since 2026-11-16 09:30."
    assert [(w.exposure, w.window_hours, w.clear) for w in elapsed.windows] == [
        ("lenalidomide", 336.0, datetime(2026, 11, 16, 9, 30))]
    running = elig.earliest_apheresis({"lenalidomide": NOW - timedelta(days=3)}, now=NOW)
    assert running.items[0].message == ("Lenalidomide: not yet: washout ends 2026-12-13 09:30 "
                                        "(last 2026-11-29 09:30; 2-week washout).")
