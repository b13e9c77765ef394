"""AppTest flows for /relapse: options by antigen status, links, refusals, both languages."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
BCMA_TITLES = ("A humanized or fully human BCMA CAR-T", "A dual-target CAR-T (BCMA plus another target)")


def open_relapse(lang: str = "en", **params: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["lang"] = lang
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    at.switch_page("pages/relapse.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def offered(at: AppTest) -> list[str]:
    """Titles of the offered options (bold), not those struck through as not offered."""
    return [m.value.strip("*") for m in at.markdown if m.value.startswith("**") and m.value.endswith("**")]


def struck(at: AppTest) -> list[str]:
    return [m.value.strip("~") for m in at.markdown if m.value.startswith("~~")]


def test_default_is_antigen_not_assessed_with_no_bcma_option_and_marked_incomplete():
    at = open_relapse()
    assert at.segmented_control(key="relapse_antigen").value == "unknown"
    assert not set(BCMA_TITLES) & set(offered(at))
    assert any("Incomplete" in w.value and "antigen status" in w.value for w in at.warning)
    assert "Clinical trial" in offered(at)


def test_antigen_negative_link_offers_only_another_target():
    at = open_relapse(antigen="negative", targets="GPRC5D,CD19", origin="murine", costim="4-1BB",
                      poor_persistence="0")
    titles = offered(at)
    assert "A CAR-T against another detectable target" in titles
    assert not set(BCMA_TITLES) & set(titles)
    assert set(BCMA_TITLES) <= set(struck(at))
    assert any("Detectable: GPRC5D, CD19" in m.value for m in at.markdown)
    assert at.multiselect(key="relapse_targets").value == ["GPRC5D", "CD19"]


def test_switching_to_positive_after_murine_offers_the_bcma_options():
    at = open_relapse(antigen="negative", origin="murine")
    at.segmented_control(key="relapse_antigen").set_value("positive").run()
    assert not at.exception
    assert set(BCMA_TITLES) <= set(offered(at))
    at.segmented_control(key="relapse_antigen").set_value("low").run()
    titles = offered(at)
    assert "Add a γ-secretase inhibitor (raises BCMA on the cell surface)" in titles
    assert not set(BCMA_TITLES) & set(titles)


def test_poor_persistence_adds_item_5():
    at = open_relapse(antigen="positive", origin="murine")
    at.segmented_control(key="relapse_persistence").set_value("poor").run()
    titles = offered(at)
    assert "Extend the washout period" in titles and "Try a non-autologous CAR-T product" in titles


def test_costimulatory_domain_shapes_the_option_text():
    at = open_relapse(antigen="positive", origin="murine", costim="CD28")
    assert any("The first CAR used CD28" in c.value for c in at.caption)


def test_each_option_has_its_quote():
    at = open_relapse(antigen="positive", origin="murine")
    text = " ".join(m.value for m in at.markdown)
    for quote in ("如首次接受鼠源性BCMA CAR-T复发后可选择人源化或全人源BCMA CAR-T", "二次CAR-T细胞治疗也值得临床尝试",
                  "包括临床试验、既往敏感的药物", "更换不同共刺激分子的CAR-T细胞", "尚无头对头比较"):
        assert quote in text, quote


@pytest.mark.parametrize("lang, pfs, flag", [
    ("en", "8.8-11.8 months", "CT053 row of Table 1"), ("zh", "8.8~11.8个月", "表1中CT053"),
])
def test_context_figures_come_from_content_with_the_citation_flag(lang, pfs, flag):
    at = open_relapse(lang)
    assert pfs in [m.value for m in at.metric]
    assert any(flag in c.value for c in at.caption)
    assert any("22.7个月在表1中为Fu等" in i.value or "22.7 months is Fu" in i.value for i in at.info)


def test_bad_link_values_are_ignored_with_a_message():
    at = open_relapse(antigen="weak", targets="GPRC5D,CD20", poor_persistence="yes")
    warnings = " ".join(w.value for w in at.warning)
    assert "weak" in warnings and "CD20" in warnings and "yes" in warnings
    assert at.segmented_control(key="relapse_antigen").value == "unknown"
    assert at.multiselect(key="relapse_targets").value == ["GPRC5D"]


def test_chinese_page_offers_the_same_options():
    at = open_relapse("zh", antigen="negative", targets="CS1")
    titles = offered(at)
    assert "针对其他可检测靶点的CAR-T" in titles
    assert "人源化或全人源BCMA CAR-T" not in titles


def test_antigen_negative_with_no_target_offers_no_second_car_t_and_says_why():
    # Review M1 (the reviewer's AppTest): failed before the fix, when "Extend the washout period" and
    # "Try a non-autologous CAR-T product" stood under "A second CAR-T" beside "No target for a CAR-T".
    at = open_relapse(antigen="negative", poor_persistence="1")
    at.checkbox(key="relapse_targets_assessed").check().run()
    titles = offered(at)
    assert "Extend the washout period" not in titles and "Try a non-autologous CAR-T product" not in titles
    assert {"Extend the washout period", "Try a non-autologous CAR-T product"} <= set(struck(at))
    assert any("No target for a CAR-T" in c.value for c in at.caption)


def test_antigen_negative_targets_untested_captions_the_second_car_t_options():
    at = open_relapse(antigen="negative", poor_persistence="1")
    assert "Extend the washout period" in offered(at)
    assert any("Only if another target is detectable (antigen-negative relapse" in c.value for c in at.caption)
