"""AppTest flows of the evidence explorer /evidence."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from logic.strings import LANGS

ROOT = Path(__file__).resolve().parent.parent


def open_evidence(lang: str = "en", **params: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["lang"] = lang
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    at.switch_page("pages/evidence.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def shown(at: AppTest) -> str:
    return " ".join([m.value for m in at.markdown] + [c.value for c in at.caption])


def plotly_charts(at: AppTest) -> list:
    return at.get("plotly_chart")


@pytest.mark.parametrize("lang", LANGS)
def test_each_tab_shows_its_content_and_only_the_open_tab_is_built(lang):
    at = open_evidence(lang)  # Table 1 opens first
    assert len(at.dataframe) == 1 and len(plotly_charts(at)) == 0
    head_to_head = {"en": "not a head-to-head comparison", "zh": "并非头对头比较"}[lang]
    assert head_to_head in shown(at)

    at = open_evidence(lang, tab="charts")
    assert len(plotly_charts(at)) == 4  # ORR vs CRS, sCR/CR, CRS+NTX, PFS
    assert head_to_head in shown(at)

    text = shown(open_evidence(lang, tab="summary"))
    assert "73%~100%" in text or "73%\\~100%" in text  # the consensus's own ORR summary, quoted
    assert "2021年3月27日" in text  # FDA approval, as printed
    assert "BCMA/CD19" in text and "GPRC5D" in text and "ABECMA" in text

    at = open_evidence(lang, tab="table2")
    assert len(at.dataframe) == 1 and len(at.dataframe[0].value) == 17  # 9 regimens, LCAR-B38M without Flu


def test_toxicity_chart_switches_to_grade_3_or_more():
    at = open_evidence("en", tab="charts")
    at.toggle(key="evidence_severe").set_value(True).run()
    assert not at.exception and len(plotly_charts(at)) == 4


def test_table_rows_show_registry_numbers():
    at = open_evidence("en")
    frame = at.dataframe[0].value
    assert "NCT03548207" in set(frame["Registry number"])
    assert len(frame) == 12


@pytest.mark.parametrize("lang", LANGS)
def test_trial_link_opens_the_row_with_registry_and_quote(lang):
    at = open_evidence(lang, trial="T1.10")
    text = shown(at)
    assert "NCT03548207" in text
    assert {"en": "not reached", "zh": "未达到"}[lang] in text  # never a number
    assert "Berdeja等\\[11\\]" in text  # the row as printed, in its quote card
    assert "CARTITUDE-1\\[11\\]" in text  # its Table 2 regimen


def test_an_unknown_trial_link_warns_without_failing():
    at = open_evidence("en", trial="T9.99")
    assert at.warning and "T9.99" in at.warning[0].value


def test_costimulatory_filter_narrows_table_and_charts():
    at = open_evidence("en")
    at.pills(key="evidence_costim").set_value(["CD28"]).run()
    assert not at.exception
    assert set(at.dataframe[0].value["Costim."]) == {"CD28"}
    assert "2 studies" in shown(at)


def test_dual_target_filter_keeps_the_two_dual_target_trials():
    at = open_evidence("en")
    at.segmented_control(key="evidence_target").set_value("dual").run()
    assert not at.exception
    assert sorted(at.dataframe[0].value["Study"]) == ["Mei [10]", "Yan [7]"]


def test_filters_that_match_nothing_say_so():
    at = open_evidence("zh")
    at.pills(key="evidence_year").set_value([]).run()
    assert not at.exception
    assert any("没有符合" in i.value for i in at.info)
    at = open_evidence("zh", tab="charts")
    at.pills(key="evidence_year").set_value([]).run()
    assert any("没有符合" in i.value for i in at.info)
    assert len(plotly_charts(at)) == 0


def test_missing_values_read_as_not_reported_in_the_table():
    at = open_evidence("en")
    frame = at.dataframe[0].value.set_index("Study")
    assert frame.loc["Fu [6]", "Neurotoxicity (%)"] == "not reported"  # printed NR
    assert frame.loc["Berdeja [11]", "Median PFS (months)"] == "not reached"  # printed 未达到
    assert frame.loc["Zhao [4]", "Grade ≥3 neurotoxicity (%)"] == "0"  # a real zero stays 0
