"""AppTest flows for /cytopenia: a typed series graded with what set it, refusals named by line,
the example, the consensus's quotes, CAR-HEMATOTOX shown as far as it was verified, both languages."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from logic import content, hematotox
from logic.strings import text

ROOT = Path(__file__).resolve().parent.parent


def open_cytopenia(lang: str = "en") -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["lang"] = lang
    at.run()
    at.switch_page("pages/cytopenia.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def shown(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [str(x.value) for kind in (at.error, at.warning, at.success, at.info) for x in kind]
    return "\n".join(parts)


def enter(at: AppTest, table: str) -> AppTest:
    at.text_area(key="cytopenia_table").input(table).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_empty_page_says_beyond_the_consensus_and_quotes_the_consensus(lang):
    at = open_cytopenia(lang)
    page = shown(at)
    assert text(lang, "cytopenia.beyond") in page
    assert text(lang, "cytopenia.no_rows") in page
    for rec in ("cytopenia_karmma", "infection_treatment_gcsf", "antibacterial_antifungal_pjp_prophylaxis"):
        assert content.recommendation(rec).quote_zh[:20] in page
    assert text(lang, "cytopenia.hematotox_not_shipped") in page
    assert hematotox.source("european-mcl-car-hematotox").number("high_risk_min_score").verbatim in page


def test_a_typed_series_is_graded_with_what_set_it():
    at = enter(open_cytopenia(), "day anc plt\n" + "\n".join(f"{d} 0.3 40" for d in range(0, 9)) +
               "\n" + "\n".join(f"{d} 2.0 120" for d in range(9, 31)) + "\n40 0.8 90\n55 0.9 95\n")
    page = shown(at)
    assert "Early ICAHT (days 0-30): Grade 2" in page
    assert text("en", "cytopenia.early_runs", severe=9, profound=0) in page
    assert text("en", "cytopenia.early_set_by.severe_run") in page
    assert "Late ICAHT (after day 30): Grade 2" in page
    assert text("en", "cytopenia.late_two_values", value="0.9") in page
    assert text("en", "cytopenia.provenance_icaht") in page
    assert text("en", "cytopenia.rows_read", rows=33, anc=33, plt=33) in page
    assert len(at.get("plotly_chart")) == 1


def test_unmeasured_days_make_the_grade_at_least_and_say_how_high():
    at = enter(open_cytopenia(), "0 0.2\n2 0.2\n4 0.2\n6 0.2\n")
    page = shown(at)
    assert "Early ICAHT (days 0-30): At least grade 2" in page
    assert text("en", "cytopenia.early_at_least", grade=4) in page


def test_bad_lines_are_named_and_the_good_ones_kept():
    at = enter(open_cytopenia(), "0 0.4\n1 600\n2 abc\n3 0.3 90000\n")
    errors = " ".join(e.value for e in at.error)
    assert text("en", "cytopenia.problem.anc_per_ul", line=2, value="600", converted="0.6", column="") in errors
    assert "Line 3: the ANC “abc” is not a number." in errors
    assert "Line 4: platelets 90000 look like cells/µL: that is 90 ×10⁹/L" in errors
    assert text("en", "cytopenia.rows_read", rows=1, anc=1, plt=0) in shown(at)
    assert at.text_area(key="cytopenia_table").value.startswith("0 0.4\n1 600")  # nothing lost


def test_the_example_fills_the_table_and_grades_it():
    at = open_cytopenia()
    next(b for b in at.button if b.label == text("en", "cytopenia.example_button")).click().run()
    assert at.text_area(key="cytopenia_table").value == hematotox.EXAMPLE_TABLE
    early, late = hematotox.icaht_both(hematotox.parse_lab_table(hematotox.EXAMPLE_TABLE).anc_values())
    page = shown(at)
    assert f"Early ICAHT (days 0-30): At least grade {early.grade}" in page
    assert f"Late ICAHT (after day 30): At least grade {late.grade}" in page


def test_the_table_survives_a_visit_to_another_page_and_a_language_switch():
    at = enter(open_cytopenia(), "0 0.4\n1 0.3\n")
    at.switch_page("pages/home.py").run()
    at.switch_page("pages/cytopenia.py").run()
    assert at.text_area(key="cytopenia_table").value == "0 0.4\n1 0.3\n"
    at.query_params["lang"] = "zh"
    at.session_state["app_lang"] = "zh"
    at.run()
    assert "早期ICAHT(第0-30天):至少1级" in shown(at)  # days 2-30 are not measured


def test_zh_page_names_the_problem_in_chinese():
    at = enter(open_cytopenia("zh"), "0 500\n")
    assert "第1行:ANC 500似为每µL细胞数:即0.5 ×10⁹/L(除以1000)。" in " ".join(e.value for e in at.error)


def test_myeloma_figures_are_shown_with_their_source():
    page = shown(open_cytopenia())
    m = hematotox.myeloma_validation()
    assert text("en", "cytopenia.myeloma_caption", patients=m.patients) in page
    assert "| Severe infection | 40% | 5% |" in page
    assert "| Overall survival, median months | 10.5 | not reached |" in page
