"""logic.hematotox: every cut-off on both sides, each test id naming the source file and the number
it rests on (content/sources/<id>.yaml : key), the conventions for unmeasured days, the late rule,
/µL refusal, the lab-table parser, and CAR-HEMATOTOX's refusal to compute what was not verified."""

from __future__ import annotations

import math
import re
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from logic import hematotox as h

V = h.ANCValue
LIANG = "liang-automated-icaht-grading"
TICAHT = "rejeski-2025-ticaht"
HT2021 = "rejeski-2021-car-hematotox"
MCL = "european-mcl-car-hematotox"
JHO = "rejeski-2023-jho-myeloma"


def src(source_id: str, key: str) -> str:
    """A test id naming its source (and checking the source records that number)."""
    h.source(source_id).number(key)
    return f"{source_id}:{key}"


def daily(start: int, stop: int, anc: float) -> list[h.ANCValue]:
    return [V(day=d, anc_10e9_l=anc) for d in range(start, stop + 1)]


def early_run(days: int, anc: float) -> list[h.ANCValue]:
    """Days 0..30 all measured: `days` days at `anc` from day 0, the rest recovered (2.0)."""
    return daily(0, days - 1, anc) + daily(days, 30, 2.0)


# --- provenance -------------------------------------------------------------------------------


def test_every_source_file_loads_with_citation_and_where_it_was_read():
    assert set(h.sources()) == {"rejeski-2023-icaht", LIANG, TICAHT, HT2021, MCL, JHO}
    for s in h.sources().values():
        assert s.citation.strip() and s.read and all(r.where and r.what for r in s.read), s.id


def _printed(x: float) -> str:
    return f"{x:g}"


@pytest.mark.parametrize("source_id,key", [
    pytest.param(s.id, n.key, id=f"{s.id}:{n.key}") for s in h.sources().values() for n in s.numbers])
def test_every_number_is_printed_in_its_verbatim_text(source_id, key):
    n = h.source(source_id).number(key)
    assert n.verbatim.strip()
    if n.value is None:
        return
    values = n.value if isinstance(n.value, tuple) else (n.value,)
    printed = n.verbatim + " " + " ".join((n.cells or {}).values())
    for v in values:
        assert re.search(rf"(?<![\d.]){re.escape(_printed(v))}(?![\d])", printed), (v, printed)


def test_rules_are_the_source_numbers():
    r = h.rules()
    liang = h.source(LIANG)
    assert r.severe_10e9_l == Decimal(liang.number("early_severe_anc_cells_ul").value) / 1000 == Decimal("0.5")
    assert r.profound_10e9_l == Decimal("0.1")
    assert liang.number("early_severe_anc_cells_ul").inequality == "<="
    # The first author's own table prints the same thresholds with the same inequality.
    assert "≤500 cells per µL" in h.source(HT2021).number("severe_anc_cells_ul").verbatim
    assert "≤100 cells per µL" in h.source(HT2021).number("profound_anc_cells_ul").verbatim
    assert r.early_last_day == 30 and r.late_first_day == 31 and r.stable_recovery_days == 3
    assert [t for _, t in r.late_bands] == [Decimal("0.1"), Decimal("0.5"), Decimal("1"), Decimal("1.5")]
    assert r.plt_lines_10e9_l == (50, 20)


def test_what_was_not_readable_is_recorded():
    assert h.source("rejeski-2023-icaht").not_readable
    assert h.source(HT2021).not_readable
    assert h.source(TICAHT).not_shipped


# --- early ICAHT: the day bands, both sides -----------------------------------------------------


@pytest.mark.parametrize("days,grade", [
    pytest.param(0, 0, id=src(LIANG, "early_grade_1_severe_days") + ":0"),
    pytest.param(1, 1, id=src(LIANG, "early_grade_1_severe_days") + ":1"),
    pytest.param(6, 1, id=src(LIANG, "early_grade_1_severe_days") + ":6"),
    pytest.param(7, 2, id=src(LIANG, "early_grade_2_severe_days") + ":7"),
    pytest.param(13, 2, id=src(LIANG, "early_grade_2_severe_days") + ":13"),
    pytest.param(14, 3, id=src(LIANG, "early_grade_3_severe_days") + ":14"),
    pytest.param(30, 3, id=src(LIANG, "early_grade_3_severe_days") + ":30"),
    pytest.param(31, 4, id=src(LIANG, "early_grade_4_severe_days_min") + ":31"),
])
def test_early_severe_run_bands(days, grade):
    g = h.icaht_grade(early_run(days, 0.3), "early")
    assert (g.grade, g.days_anc_le_0_5, g.days_anc_le_0_1, g.at_least) == (grade, days, 0, False)
    assert g.set_by == (("severe_run",) if grade else ())


@pytest.mark.parametrize("days,grade", [
    pytest.param(6, 1, id=src(LIANG, "early_grade_3_profound_days") + ":6"),
    pytest.param(7, 3, id=src(LIANG, "early_grade_3_profound_days") + ":7"),
    pytest.param(13, 3, id=src(LIANG, "early_grade_3_profound_days") + ":13"),
    pytest.param(14, 4, id=src(LIANG, "early_grade_4_profound_days_min") + ":14"),
])
def test_early_profound_run_bands(days, grade):
    g = h.icaht_grade(early_run(days, 0.05), "early")
    assert (g.grade, g.days_anc_le_0_1) == (grade, days)
    assert "profound_run" in g.set_by or grade == 1


@pytest.mark.parametrize("anc,counted", [
    pytest.param(0.5, True, id=src(LIANG, "early_severe_anc_cells_ul") + ":0.5"),
    pytest.param(0.5000001, False, id=src(LIANG, "early_severe_anc_cells_ul") + ":0.5000001"),
    pytest.param(0.4999, True, id=src(HT2021, "severe_anc_cells_ul") + ":0.4999"),
])
def test_early_severe_threshold_is_at_or_below_0_5(anc, counted):
    g = h.icaht_grade(early_run(7, anc), "early")
    assert g.days_anc_le_0_5 == (7 if counted else 0)
    assert g.grade == (2 if counted else 0)


@pytest.mark.parametrize("anc,counted", [
    pytest.param(0.1, True, id=src(LIANG, "early_profound_anc_cells_ul") + ":0.1"),
    pytest.param(0.1000001, False, id=src(LIANG, "early_profound_anc_cells_ul") + ":0.1000001"),
    pytest.param(0.0999, True, id=src(HT2021, "profound_anc_cells_ul") + ":0.0999"),
])
def test_early_profound_threshold_is_at_or_below_0_1(anc, counted):
    g = h.icaht_grade(early_run(7, anc), "early")
    assert g.days_anc_le_0_1 == (7 if counted else 0)
    assert g.grade == (3 if counted else 2)


@pytest.mark.parametrize("gap,joined", [
    pytest.param(2, True, id=src(TICAHT, "nonstable_recovery_days_lt") + ":gap2"),
    pytest.param(3, False, id=src(LIANG, "stable_recovery_days") + ":gap3"),
])
def test_runs_join_across_a_nonstable_recovery_and_count_its_days(gap, joined):
    # 4 days low, `gap` days recovered, 4 days low, then recovered to day 30.
    vals = daily(0, 3, 0.2) + daily(4, 3 + gap, 1.2) + daily(4 + gap, 7 + gap, 0.2) + daily(8 + gap, 30, 2.0)
    g = h.icaht_grade(vals, "early")
    assert g.days_anc_le_0_5 == (8 + gap if joined else 4)
    assert g.grade == (2 if joined else 1)


def test_grade_follows_the_longest_run_and_the_cumulative_reading_is_borderline():
    # Two 5-day runs separated by a stable (5-day) recovery: longest 5 (grade 1), sum 10 (grade 2).
    vals = daily(0, 4, 0.3) + daily(5, 9, 1.5) + daily(10, 14, 0.3) + daily(15, 30, 2.0)
    g = h.icaht_grade(vals, "early")
    assert (g.grade, g.cumulative_grade, g.borderline, g.borderline_reasons) == (1, 2, True, ("cumulative",))
    assert h.source(LIANG).number("early_longest_run") and h.source(TICAHT).number("cumulative_length")


def test_lowest_value_of_a_day_counts():
    vals = early_run(7, 2.0) + [V(day=d, anc_10e9_l=0.4) for d in range(7)]
    g = h.icaht_grade(vals, "early")
    assert (g.grade, g.days_anc_le_0_5) == (2, 7)
    assert h.lowest_per_day([V(day=1, anc_10e9_l=0.9), V(day=1, anc_10e9_l=0.3)]) == {1: 0.3}


def test_unmeasured_days_are_not_invented_and_make_the_grade_at_least():
    # Low on days 0, 2, 4, 6 only (the days between not measured): as measured, the days between
    # are each a nonstable recovery of one day, so the run is 7 days: grade 2; had the rest of the
    # window (days 7-30) been low too, grade 4.
    vals = [V(day=d, anc_10e9_l=0.2) for d in (0, 2, 4, 6)]
    g = h.icaht_grade(vals, "early")
    assert (g.grade, g.days_anc_le_0_5, g.at_least, g.max_possible_grade) == (2, 7, True, 4)
    # A gap of 3 or more unmeasured days splits the runs as measured (it could be a stable
    # recovery): low on days 0 and 6, nothing between, is grade 1 at least (2 if days 1-5 were low).
    g = h.icaht_grade([V(day=0, anc_10e9_l=0.2), V(day=6, anc_10e9_l=0.2)] + daily(7, 30, 2.0), "early")
    assert (g.grade, g.days_anc_le_0_5, g.at_least, g.max_possible_grade) == (1, 1, True, 2)
    # ... and where the gaps cannot change the grade, it is final.
    g = h.icaht_grade([V(day=0, anc_10e9_l=0.2), V(day=4, anc_10e9_l=0.2)] + daily(5, 30, 2.0), "early")
    assert (g.grade, g.days_anc_le_0_5, g.at_least, g.max_possible_grade) == (1, 1, False, 1)


def test_no_values_is_grade_0_at_least():
    g = h.icaht_grade([], "early")
    assert (g.grade, g.at_least, g.nadir_10e9_l, g.max_possible_grade) == (0, True, None, 4)


def test_values_outside_the_early_window_are_not_counted_early():
    g = h.icaht_grade(daily(-5, -1, 0.1) + daily(31, 40, 0.1) + daily(0, 30, 2.0), "early")
    assert (g.grade, g.values_in_phase, g.at_least) == (0, 31, False)


# --- late ICAHT ---------------------------------------------------------------------------------


@pytest.mark.parametrize("anc,grade", [
    pytest.param(1.5000001, 0, id=src(LIANG, "late_grade_1_anc_cells_ul") + ":1.5000001"),
    pytest.param(1.5, 1, id=src(LIANG, "late_grade_1_anc_cells_ul") + ":1.5"),
    pytest.param(1.0005, 1, id=src(LIANG, "late_grade_2_anc_cells_ul") + ":1.0005"),
    pytest.param(1.0, 2, id=src(LIANG, "late_grade_2_anc_cells_ul") + ":1.0"),
    pytest.param(0.999, 2, id=src(LIANG, "late_grade_2_anc_cells_ul") + ":0.999"),
    pytest.param(0.5001, 2, id=src(LIANG, "late_grade_3_anc_cells_ul") + ":0.5001"),
    pytest.param(0.5, 3, id=src(LIANG, "late_grade_3_anc_cells_ul") + ":0.5"),
    pytest.param(0.1001, 3, id=src(LIANG, "late_grade_4_anc_cells_ul") + ":0.1001"),
    pytest.param(0.1, 4, id=src(LIANG, "late_grade_4_anc_cells_ul") + ":0.1"),
    pytest.param(0.0, 4, id=src(LIANG, "late_grade_4_anc_cells_ul") + ":0"),
])
def test_late_bands_with_two_values(anc, grade):
    g = h.icaht_grade([V(day=45, anc_10e9_l=anc), V(day=60, anc_10e9_l=anc)], "late")
    assert (g.grade, g.at_least, g.set_by) == (grade, False, ("two_values",))


@pytest.mark.parametrize("first,second,grade,highest", [
    pytest.param(0.05, 0.8, 2, 4, id=src(LIANG, "late_non_transient") + ":nadir_alone"),
    pytest.param(0.05, 0.08, 4, 4, id=src(TICAHT, "late_two_tests") + ":two_at_grade_4"),
])
def test_late_grade_needs_two_values_and_a_lower_nadir_is_at_least(first, second, grade, highest):
    g = h.icaht_grade([V(day=40, anc_10e9_l=first), V(day=52, anc_10e9_l=second), V(day=70, anc_10e9_l=3.0)], "late")
    assert (g.grade, g.max_possible_grade, g.at_least) == (grade, highest, highest > grade)
    assert g.second_lowest_10e9_l == second and g.nadir_10e9_l == first


def test_a_single_late_value_is_not_graded_as_late():
    g = h.icaht_grade([V(day=45, anc_10e9_l=0.05)], "late")
    assert (g.grade, g.at_least, g.set_by, g.max_possible_grade) == (0, True, ("single_value",), 4)
    g = h.icaht_grade([V(day=10, anc_10e9_l=0.05)], "late")
    assert (g.grade, g.at_least, g.set_by) == (0, True, ("no_values",))


def test_two_late_values_on_one_day_are_one_value():
    g = h.icaht_grade([V(day=45, anc_10e9_l=0.3), V(day=45, anc_10e9_l=0.4)], "late")
    assert (g.grade, g.set_by, g.values_in_phase) == (0, ("single_value",), 1)


# --- inputs -------------------------------------------------------------------------------------


@pytest.mark.parametrize("anc", [100.5, 500, 1000.5])
def test_a_count_per_microlitre_is_refused_with_the_conversion(anc):
    with pytest.raises(ValidationError) as e:
        V(day=3, anc_10e9_l=anc)
    err = e.value.errors()[0]
    assert err["type"] == "anc_per_ul" and err["ctx"]["converted"] == f"{anc / 1000:.6g}"


def test_100_is_the_largest_value_taken_as_10e9_l():
    assert V(day=3, anc_10e9_l=100).anc_10e9_l == 100


@pytest.mark.parametrize("kwargs,kind", [
    ({"day": 3, "anc_10e9_l": -0.1}, "anc_negative"),
    ({"day": 366, "anc_10e9_l": 1.0}, "day_range"),
    ({"day": -31, "anc_10e9_l": 1.0}, "day_range"),
    ({"day": 3, "anc_10e9_l": math.nan}, "finite_number"),
    ({"day": True, "anc_10e9_l": 1.0}, "int_type"),
    ({"day": 2.5, "anc_10e9_l": 1.0}, "int_type"),
])
def test_bad_values_are_refused_by_kind(kwargs, kind):
    with pytest.raises(ValidationError) as e:
        V(**kwargs)
    assert e.value.errors()[0]["type"] == kind


def test_phase_is_early_or_late():
    with pytest.raises(ValueError):
        h.icaht_grade([], "middle")


# --- properties ---------------------------------------------------------------------------------

anc_values = st.floats(min_value=0, max_value=100, allow_nan=False, allow_infinity=False)
series = st.lists(st.builds(V, day=st.integers(-30, 120), anc_10e9_l=anc_values), max_size=40)
phases = st.sampled_from(["early", "late"])


@settings(max_examples=300, deadline=None)
@given(series, st.integers(-30, 120), anc_values, phases)
def test_adding_a_value_never_lowers_a_grade(vals, day, anc, phase):
    before = h.icaht_grade(vals, phase)
    lower = min([v.anc_10e9_l for v in vals if v.day == day], default=anc)
    after = h.icaht_grade([*vals, V(day=day, anc_10e9_l=min(anc, lower))], phase)
    assert after.grade >= before.grade
    assert h.icaht_grade([*vals, V(day=day, anc_10e9_l=anc)], phase).grade >= before.grade


@settings(max_examples=300, deadline=None)
@given(series, phases)
def test_grades_stay_0_to_4_and_at_least_means_a_higher_grade_is_possible(vals, phase):
    g = h.icaht_grade(vals, phase)
    assert 0 <= g.grade <= g.max_possible_grade <= 4
    assert g.at_least == (g.max_possible_grade > g.grade) or (phase == "late" and not g.values_in_phase)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(min_value=100.0001, max_value=1e6, allow_nan=False), min_size=1, max_size=10))
def test_a_series_per_microlitre_is_refused_not_graded(per_ul):
    with pytest.raises(ValidationError, match="cells/µL"):
        h.icaht_grade([{"day": i, "anc_10e9_l": x} for i, x in enumerate(per_ul)], "early")


# --- the lab table ------------------------------------------------------------------------------


def test_a_pasted_table_with_a_header_and_mixed_delimiters():
    table = h.parse_lab_table("Day\tANC\tPLT\n0\t1.2\t80\n1, 0.4, 60\n2 0.3 -\n3;NA;45\n\n4\n5 abc 30\n6 600 20\n7 0.2 90000\n")
    assert table.header_skipped
    assert [(r.day, r.anc_10e9_l, r.plt_10e9_l) for r in table.rows] == [
        (0, 1.2, 80.0), (1, 0.4, 60.0), (2, 0.3, None), (3, None, 45.0)]
    assert [(p.line, p.code, p.column, p.value, p.converted) for p in table.problems] == [
        (7, "columns", "", "4", ""), (8, "not_a_number", "anc", "abc", ""),
        (9, "anc_per_ul", "anc", "600", "0.6"), (10, "plt_per_ul", "plt", "90000", "90")]
    assert [v.day for v in table.anc_values()] == [0, 1, 2]


@pytest.mark.parametrize("line,code", [
    ("1.5 0.3", "day_not_whole"), ("400 0.3", "day_range"), ("3 -0.2", "anc_negative"), ("3 0.2 -5", "plt_negative")])
def test_bad_lines_are_named(line, code):
    assert [p.code for p in h.parse_lab_table(line).problems] == [code]


def test_a_mistyped_first_day_is_named_not_taken_for_a_header():
    table = h.parse_lab_table("l 0.3\n2 0.4\n")
    assert not table.header_skipped and [r.day for r in table.rows] == [2]
    assert [(p.line, p.code, p.value) for p in table.problems] == [(1, "not_a_number", "l")]


def test_csv_out_reads_back_in():
    table = h.parse_lab_table("0,0.3,40\n2,0.45,\n1,1.0005,55\n")
    csv_text = h.table_to_csv(table.rows)
    assert csv_text.splitlines()[0] == "day,anc_10e9_l,plt_10e9_l"
    again = h.parse_lab_table(csv_text)
    assert again.header_skipped and not again.problems
    def cells(t: h.LabTable) -> list[tuple]:
        return sorted((r.day, r.anc_10e9_l, r.plt_10e9_l) for r in t.rows)

    assert cells(again) == cells(table) == [(0, 0.3, 40.0), (1, 1.0005, 55.0), (2, 0.45, None)]


# --- CAR-HEMATOTOX ------------------------------------------------------------------------------

BASELINE = {"anc_10e9_l": 1.5, "hb_g_l": 100.0, "plt_10e9_l": 150.0, "crp_mg_l": 10.0, "ferritin_ug_l": 500.0}


def test_car_hematotox_is_not_computed_from_unverified_cut_offs():
    with pytest.raises(h.NotShipped) as e:
        h.car_hematotox(**BASELINE)
    assert HT2021 in e.value.source_ids


@pytest.mark.parametrize("field,value,marker,code,converted", [
    ("anc_10e9_l", 1500.0, "anc", "per_ul", "1.5"),
    ("plt_10e9_l", 150000.0, "plt", "per_ul", "150"),
    ("hb_g_l", 9.5, "hb", "g_dl", "95"),
    ("crp_mg_l", -1.0, "crp", "negative", ""),
])
def test_car_hematotox_names_a_value_in_the_other_unit_system(field, value, marker, code, converted):
    with pytest.raises(h.UnitError) as e:
        h.car_hematotox(**{**BASELINE, field: value})
    assert [(p.marker, p.code, p.converted) for p in e.value.problems] == [(marker, code, converted)]


@pytest.mark.parametrize("score,risk", [
    pytest.param(0, "low", id=src(MCL, "high_risk_min_score") + ":0"),
    pytest.param(1, "low", id=src(MCL, "high_risk_min_score") + ":1"),
    pytest.param(2, "high", id=src(MCL, "high_risk_min_score") + ":2"),
    pytest.param(7, "high", id=src(JHO, "risk_groups") + ":7"),
])
def test_risk_group_of_a_score(score, risk):
    assert h.hematotox_risk(score) == risk


@pytest.mark.parametrize("bad", [-1, 1.5, True])
def test_risk_group_refuses_what_is_not_a_score(bad):
    with pytest.raises(ValueError):
        h.hematotox_risk(bad)


def test_myeloma_validation_figures_are_those_of_the_abstract():
    m = h.myeloma_validation()
    assert (m.patients, m.low_n, m.high_n) == (113, 63, 50)
    assert (m.severe_neutropenia_median_days_high, m.severe_neutropenia_median_days_low) == (9, 3)
    assert (m.severe_infection_pct_high, m.severe_infection_pct_low) == (40, 5)
    assert (m.icans_ge3_pct_high, m.icans_ge3_pct_low) == (16, 0)
    assert (m.nrm_1y_pct_high, m.nrm_1y_pct_low, m.vgpr_pct_high, m.vgpr_pct_low) == (13, 2, 44, 70)
    assert (m.pfs_median_months_high, m.pfs_median_months_low, m.os_median_months_high) == (5, 15, 10.5)


def test_contract_names_and_fields():
    assert set(h.ANCValue.model_fields) == {"day", "anc_10e9_l"}
    assert {"phase", "grade", "at_least", "days_anc_le_0_5", "days_anc_le_0_1", "nadir_10e9_l",
            "source_id"} <= set(h.ICAHTGrade.model_fields)
    assert set(h.HematotoxScore.model_fields) == {"points", "score", "risk", "source_id"}


@pytest.mark.parametrize("anc,grade,boundary", [
    pytest.param(0.5, 2, 0, id=src(HT2021, "grade_4_neutropenia_footnote") + ":0.5"),
    pytest.param(0.4999, 2, 2, id=src(HT2021, "grade_4_neutropenia_footnote") + ":0.4999"),
    pytest.param(0.5001, 0, 0, id=src(HT2021, "grade_4_neutropenia_footnote") + ":0.5001"),
])
def test_early_exactly_0_5_is_borderline_where_a_source_prints_less_than(anc, grade, boundary):
    g = h.icaht_grade(early_run(7, anc), "early")
    assert (g.grade, g.boundary_grade, g.borderline) == (grade, boundary, boundary != grade)
    assert g.borderline_reasons == (("boundary",) if boundary != grade else ())


@pytest.mark.parametrize("anc,grade,boundary", [
    pytest.param(0.5, 3, 2, id=src(HT2021, "grade_4_neutropenia_footnote") + ":late0.5"),
    pytest.param(1.0, 2, 2, id=src(LIANG, "late_grade_2_anc_cells_ul") + ":late1.0-undisputed"),
])
def test_late_exactly_0_5_is_borderline(anc, grade, boundary):
    g = h.icaht_grade([V(day=40, anc_10e9_l=anc), V(day=50, anc_10e9_l=anc)], "late")
    assert (g.grade, g.boundary_grade, g.borderline) == (grade, boundary, boundary != grade)
