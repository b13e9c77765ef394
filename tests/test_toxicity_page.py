"""AppTest flows of /toxicity: grades, management, the HLH/MAS alert, bad input, query
parameters, the episode chart's export and import, and the IgG rule."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import TODAY, WALL_NOW, card_badges, fix_clock

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 60


def open_page(lang: str = "en", **params: str) -> AppTest:
    at = fix_clock(AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT))
    at.query_params["lang"] = lang
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    at.switch_page("pages/toxicity.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    for kind in (at.info, at.warning, at.error, at.success):
        parts += [e.value for e in kind]
    return re.sub(r"\\(.)", r"\1", "\n".join(parts))  # undo md_escape


def badges(at: AppTest) -> dict[str, str]:
    """The grade as the page states it: the result cards' badges ("crs", "icans")."""
    return card_badges(at)


def fill_grade3_crs_and_grade2_icans(at: AppTest) -> AppTest:
    at.number_input(key="toxicity_temp_c").set_value(39.2)
    at.radio(key="toxicity_hypotension").set_value("one_vasopressor")
    at.radio(key="toxicity_hypoxia").set_value("low_flow")
    at.number_input(key="toxicity_weight_kg").set_value(72.0)
    at.number_input(key="toxicity_ice_total").set_value(5)
    at.radio(key="toxicity_consciousness").set_value("normal")
    at.radio(key="toxicity_seizure").set_value("none")
    at.radio(key="toxicity_motor").set_value("none")
    at.radio(key="toxicity_edema").set_value("none")
    return at.run()


def test_grade_3_crs_with_grade_2_icans():
    at = fill_grade3_crs_and_grade2_icans(open_page())
    assert not at.exception
    assert badges(at) == {"crs": "CRS grade 3", "icans": "ICANS grade 2"}
    shown = texts(at)
    # set by the hypotension (one vasopressor, grade 3), not the low-flow oxygen (grade 2)
    assert "**Set by**: fever 39.2 °C · hypotension needing one vasopressor\n" in card(at, "CRS")
    assert "3级 | 发热伴低血压(需要一种或不需应用升压药)" in shown  # T3.3 quoted
    # one plan from logic.plans: Table 4 grade 3 with its condition on dexamethasone, its actions in the card
    # and its working below it (the actions are not repeated there)
    assert "Tocilizumab 576 mg / 28.8 mL (20 mg/mL) IV. Course: 0 dose(s) given; a dose is allowed now." in card(at, "CRS")
    # the management section points to the card and shows the working, not the actions again (the plan line
    # without its mL, as it printed there before 2026-12-04)
    assert "The actions are those in the result card above (the same plan, computed once)." in shown
    assert "Tocilizumab 576 mg IV. Course" not in shown
    assert "8 mg/kg × 72 kg = 576 mg" in shown
    assert "If hypotension persists after 1-2 tocilizumab infusions: dexamethasone 10 mg IV q6h (may be given)" in shown
    assert "If refractory: dexamethasone 20 mg IV q6h (may be given)" in shown
    # Table 5 with concurrent CRS: grade 2 + CRS >= 2 -> consider ICU, tocilizumab
    assert "With concurrent CRS (grade 3, from the CRS tab)" in shown
    assert "If concurrent CRS is grade 2 or higher: consider transfer to the ICU" in shown
    assert "Methylprednisolone 72 mg IV q12h" in shown and "1 mg/kg × 72 kg = 72 mg q12h" in shown
    assert "·若并发≥2级CRS,考虑将患者转移至ICU" in shown  # icans_g2_with_crs quoted
    assert "Now: CRS grade 3 · ICANS grade 2" in shown


def test_grade_3_crs_with_grade_2_icans_in_chinese():
    at = open_page("zh")
    # (AppTest formats radio options outside the app's language context: set them by key)
    for key, value in (("toxicity_hypotension", "one_vasopressor"), ("toxicity_hypoxia", "low_flow"),
                       ("toxicity_consciousness", "normal"), ("toxicity_seizure", "none"),
                       ("toxicity_motor", "none"), ("toxicity_edema", "none")):
        at.session_state[key] = value
    at.number_input(key="toxicity_temp_c").set_value(39.2)
    at.number_input(key="toxicity_weight_kg").set_value(72.0)
    at.number_input(key="toxicity_ice_total").set_value(5).run()
    assert not at.exception
    assert badges(at) == {"crs": "CRS 3级", "icans": "ICANS 2级"}
    shown = texts(at)
    assert "若并发≥2级CRS:考虑转入ICU" in shown
    assert "托珠单抗 576 mg / 28.8 mL (20 mg/mL) 静脉滴注" in shown
    assert "托珠单抗静脉输注1~2次后低血压持续存在时:地塞米松 10 mg 静脉滴注 每6 h 1次(可用)" in shown


def test_unassessed_inputs_give_at_least_and_say_what_is_missing():
    at = open_page()
    at.number_input(key="toxicity_temp_c").set_value(38.0).run()
    assert badges(at)["crs"] == "CRS at least grade 1"
    assert "Not assessed: hypotension, oxygen; the grade could be up to 4." in texts(at)
    at.number_input(key="toxicity_temp_c").set_value(37.9).run()
    assert badges(at)["crs"] == "No CRS (grade 0)"
    assert "No fever: 37.9 °C is below 38.0 °C" in texts(at)


def test_temperature_not_assessed_with_organ_findings_says_what_fever_would_make_it():
    at = open_page()
    at.radio(key="toxicity_hypoxia").set_value("high_flow").run()
    assert badges(at)["crs"] == "CRS incomplete"
    assert "Temperature not assessed" in texts(at) and "at least grade 3" in texts(at)


@pytest.mark.parametrize(("lang", "not_assessed", "incomplete", "badge_na", "badge_incomplete", "meaningless"), [
    pytest.param("en", "not assessed", "incomplete (see what is missing)", ("CRS not assessed", "ICANS not assessed"),
                 "ICANS incomplete", "at least grade 0", id="en"),
    pytest.param("zh", "未评估", "评估不完整(见缺项)", ("CRS未评估", "ICANS未评估"), "ICANS评估不完整", "至少0级", id="zh"),
])
def test_nothing_entered_is_not_assessed_never_at_least_0(lang, not_assessed, incomplete, badge_na, badge_incomplete,
                                                          meaningless):
    """Review, smaller points: "ICANS 至少0级" reads "未评估"; grade 0 with inputs missing is
    "incomplete", in the card's badge, the summary and the chart's add-assessment label."""
    at = open_page(lang)
    assert badges(at) == dict(zip(("crs", "icans"), badge_na, strict=True))
    assert at.info[0].value.count(not_assessed) == 2  # the summary: CRS and ICANS
    at.number_input(key="toxicity_ice_total").set_value(10).run()  # ICE 10 alone: grade 0, the rest missing
    assert badges(at)["icans"] == badge_incomplete
    shown = texts(at) + "\n".join(badges(at).values()) + "\n".join(b.label for b in at.button)
    assert meaningless not in shown and "≥ 0" not in shown and "≥0" not in shown
    assert f"ICANS {incomplete}" in shown  # summary and the add-assessment label
    assert "patient_crs" not in at.session_state or at.session_state["patient_crs"] is None  # no "at least 0"


def test_masked_fever_counts():
    at = open_page()
    at.number_input(key="toxicity_temp_c").set_value(36.9)
    at.checkbox(key="toxicity_masked_fever").check()
    at.radio(key="toxicity_hypotension").set_value("none")
    at.radio(key="toxicity_hypoxia").set_value("none").run()
    assert badges(at)["crs"] == "CRS grade 1"
    assert "documented before masking" in texts(at)


@pytest.mark.parametrize(("typed", "message"), [
    pytest.param(98.6, "98.6 looks like °F (= 37.0 °C)", id="Fahrenheit"),
    pytest.param(385.0, "385 looks like 38.5 °C without its decimal point", id="lost decimal point"),
    pytest.param(25.0, "25 °C is outside 30-45 °C", id="too low"),
])
def test_bad_temperature_is_refused_and_nothing_is_lost(typed, message):
    at = open_page()
    at.radio(key="toxicity_hypotension").set_value("no_vasopressor")
    at.number_input(key="toxicity_ice_total").set_value(8)
    at.number_input(key="toxicity_temp_c").set_value(typed).run()
    assert not at.exception
    assert any(message in e.value for e in at.error), [e.value for e in at.error]
    assert badges(at)["crs"] == "CRS not graded"
    assert at.radio(key="toxicity_hypotension").value == "no_vasopressor"
    assert at.number_input(key="toxicity_ice_total").value == 8
    assert at.number_input(key="toxicity_temp_c").value == typed


def test_weight_below_adult_is_refused_next_to_the_field():
    at = open_page(temp_c="39", hypotension="one_vasopressor")
    at.number_input(key="toxicity_weight_kg").set_value(20.0).run()
    assert any("20 kg is below 30 kg" in e.value for e in at.error), [e.value for e in at.error]
    assert "Tocilizumab 8 mg/kg IV (enter the weight for the dose)" in texts(at)
    assert "20 kg" not in "".join(m.value for m in at.markdown if "Patient" in m.value)  # not used anywhere


def test_weight_refused_in_chinese_under_the_field_and_no_stale_dose():
    at = open_page("zh", temp_c="39", hypotension="one_vasopressor")
    at.number_input(key="toxicity_weight_kg").set_value(68.0).run()
    assert "托珠单抗 544 mg / 27.2 mL (20 mg/mL) 静脉滴注" in texts(at)
    at.number_input(key="toxicity_weight_kg").set_value(-70.0).run()
    assert any("体重须大于 0 kg(输入为 -70)" in e.value for e in at.error), [e.value for e in at.error]
    assert "544 mg" not in texts(at)
    assert at.number_input(key="toxicity_weight_kg").value == -70.0


def test_escalation_alert_after_12_hours_without_improvement():
    at = open_page(temp_c="39.5", hypotension="no_vasopressor", hypoxia="none")
    at.datetime_input(key="toxicity_first_line_at").set_value(WALL_NOW - timedelta(hours=13))
    at.radio(key="toxicity_improved").set_value("not_improved").run()
    assert not at.exception
    alerts = [e.value for e in at.error]
    assert any(a.startswith("ALERT:") and "HLH/MAS" in a for a in alerts), alerts
    assert any("HLH/MAS alert" in a for a in alerts)  # mirrored at the top of the page
    assert "需警惕并发噬血细胞性淋巴组织细胞增生症/巨噬细胞活化综合征(HLH/MAS)" in texts(at)


def test_no_escalation_alert_before_12_hours_or_when_improved():
    at = open_page()
    at.datetime_input(key="toxicity_first_line_at").set_value(WALL_NOW - timedelta(hours=11))
    at.radio(key="toxicity_improved").set_value("not_improved").run()
    assert not [e for e in at.error if "ALERT" in e.value]
    assert "the 12-h check is due at" in texts(at)
    at.datetime_input(key="toxicity_first_line_at").set_value(WALL_NOW - timedelta(hours=20))
    at.radio(key="toxicity_improved").set_value("improved").run()
    assert not [e for e in at.error if "ALERT" in e.value]
    at.radio(key="toxicity_improved").set_value("not_assessed").run()
    assert any("If fever or organ toxicity has not improved" in w.value for w in at.warning)


def test_query_parameters_seed_the_form_and_bad_ones_are_named():
    at = open_page(temp_c="38.6", masked_fever="1", hypotension="none", hypoxia="positive_pressure", ice="2",
                   consciousness="awakens_to_voice", seizure="none", motor="none", edema="sideways",
                   weight_kg="80")
    assert badges(at) == {"crs": "CRS grade 4", "icans": "ICANS at least grade 3"}
    assert at.checkbox(key="toxicity_masked_fever").value is True
    assert at.number_input(key="toxicity_weight_kg").value == 80.0
    assert any("edema=sideways" in w.value for w in at.warning)
    assert "Methylprednisolone 1000 mg IV daily (may be given)" in texts(at)


def test_bad_number_query_parameter_is_ignored_with_a_message():
    at = open_page(temp_c="hot", ice="12")
    assert "Ignored link parameter temp_c=hot: not a number in 0-500" in texts(at)
    assert at.number_input(key="toxicity_temp_c").value is None
    # a number out of range is taken as typed and refused under its field, never dropped unsaid
    assert at.number_input(key="toxicity_ice_total").value == 12
    assert any("ICE score 12 is not possible" in e.value for e in at.error)


def test_inputs_survive_a_visit_to_another_page_and_go_into_the_url():
    at = open_page(temp_c="39.2", hypotension="one_vasopressor")
    at.radio(key="toxicity_hypoxia").set_value("low_flow").run()
    at.switch_page("pages/dosing.py").run()
    at.switch_page("pages/toxicity.py").run()
    assert not at.exception
    assert at.number_input(key="toxicity_temp_c").value == 39.2
    assert (at.radio(key="toxicity_hypotension").value, at.radio(key="toxicity_hypoxia").value) == (
        "one_vasopressor", "low_flow")
    assert (at.query_params["temp_c"], at.query_params["hypoxia"]) == ("39.2", "low_flow")
    assert badges(at)["crs"] == "CRS grade 3"


def test_ice_item_by_item_with_partial_items():
    at = open_page()
    at.segmented_control(key="toxicity_ice_orientation").set_value(0)
    at.segmented_control(key="toxicity_ice_naming").set_value(0).run()
    assert badges(at)["icans"] == "ICANS at least grade 2"
    assert "between 0 and 3/10" in texts(at)
    for item, v in (("command", 1), ("writing", 1), ("attention", 0)):
        at.segmented_control(key=f"toxicity_ice_{item}").set_value(v)
    at.run()
    assert "ICE 2/10 = 0 + 0 + 1 + 1 + 0" in texts(at)
    assert badges(at)["icans"] == "ICANS at least grade 3"


def test_ice_total_and_items_together_is_refused_without_losing_either():
    at = open_page(ice="6")
    at.segmented_control(key="toxicity_ice_orientation").set_value(4).run()
    assert any("either as a total or item by item" in e.value for e in at.error)
    assert at.number_input(key="toxicity_ice_total").value == 6


def _chart_with_entries() -> AppTest:
    at = open_page(temp_c="39", hypotension="one_vasopressor", hypoxia="none", ice="8")
    at.date_input(key="toxicity_infusion_date").set_value(TODAY - timedelta(days=3)).run()
    at.datetime_input(key="toxicity_entry_at").set_value(WALL_NOW
                                                         - timedelta(hours=2)).run()
    at.button(key="toxicity_add_assessment").click().run()
    at.radio(key="toxicity_dose_kind").set_value("tocilizumab")
    at.number_input(key="toxicity_dose_mg").set_value(576.0).run()
    at.button(key="toxicity_add_dose").click().run()
    assert not at.exception
    return at


def test_episode_chart_add_and_export():
    at = _chart_with_entries()
    entries = at.session_state["toxicity_entries"]
    assert [e.kind for e in entries] == ["assessment"]
    assert (entries[0].crs_grade, entries[0].crs_at_least, entries[0].icans_grade) == (3, False, 1)
    # the tocilizumab dose is in the patient's one dose log
    assert [mg for _, mg in at.session_state["patient_toci"]] == [576.0]
    assert len(at.get("plotly_chart")) == 1
    assert len(at.dataframe) == 1
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["Download CSV", "Download JSON"]
    # the tocilizumab course guard reads the chart's doses
    assert "Tocilizumab doses given so far: 1" in texts(at)
    assert "Course: 1 dose(s) given" in texts(at)


def test_episode_dose_above_the_consensus_maximum_is_refused():
    at = open_page()
    at.date_input(key="toxicity_infusion_date").set_value(TODAY - timedelta(days=2)).run()
    at.radio(key="toxicity_dose_kind").set_value("tocilizumab")
    at.number_input(key="toxicity_dose_mg").set_value(8000.0).run()
    assert any("8000 mg Tocilizumab is not a recordable dose" in e.value and "800 mg" in e.value for e in at.error)
    assert at.button(key="toxicity_add_dose").disabled
    assert at.number_input(key="toxicity_dose_mg").value == 8000.0


def test_episode_import_from_csv_and_bad_file():
    csv_text = ("infusion_date,at,day,kind,crs_grade,crs_at_least,icans_grade,icans_at_least,dose_mg\n"
                "2026-03-01,2026-03-03T08:00:00,2.33,assessment,2,false,0,false,\n"
                "2026-03-01,2026-03-03T09:00:00,2.38,tocilizumab,,,,,560.0\n")
    at = open_page()
    at.file_uploader(key="toxicity_upload").set_value(("episode.csv", csv_text.encode(), "text/csv")).run()
    assert not at.exception
    assert "Imported 2 entries (infusion date 2026-03-01)." in texts(at)
    assert at.date_input(key="toxicity_infusion_date").value == date(2026, 3, 1)
    assert len(at.get("plotly_chart")) == 1
    bad = json.dumps({"format": "cart-mm-toxicity-episode", "version": 1, "infusion_date": "2026-03-01",
                      "entries": [{"at": "2026-02-01T08:00:00", "kind": "assessment", "crs_grade": 1,
                                   "crs_at_least": False}]})
    at.file_uploader(key="toxicity_upload").set_value(("episode.json", bad.encode(), "application/json")).run()
    assert any("Not imported" in e.value and "before the infusion" in e.value for e in at.error)
    assert len(at.session_state["toxicity_entries"]) == 1  # the good chart is kept
    assert len(at.session_state["patient_toci"]) == 1


@pytest.mark.parametrize(("igg", "infection", "expected"), [
    pytest.param(3.9, "not_assessed", "Give immunoglobulin replacement", id="P18 IgG 3.9 replace anyway"),
    pytest.param(5.0, "not_assessed", "Depends on infection", id="P18 IgG 5 depends on infection"),
    pytest.param(5.0, "yes", "Give immunoglobulin replacement", id="P18 IgG 5 with infection replace"),
    pytest.param(6.5, "yes", "Assess further", id="P18 IgG 6.5 with infection assess"),
    pytest.param(6.5, "no", "keep monitoring", id="IgG 6.5 no infection monitor"),
    pytest.param(-1.0, "no", "IgG -1 g/L is refused", id="IgG below 0 refused"),
    pytest.param(61.0, "no", "IgG 61 g/L is refused", id="IgG above 60 refused"),
    pytest.param(800.0, "no", "800 looks like mg/dL (= 8 g/L)", id="IgG in mg/dL"),
])
def test_igg_rule(igg, infection, expected):
    at = open_page()
    at.radio(key="toxicity_infection").set_value(infection)
    at.number_input(key="toxicity_igg").set_value(igg).run()
    assert not at.exception
    assert expected in texts(at)
    assert at.radio(key="toxicity_infection").value == infection


def test_infection_and_cytopenia_sections_quote_the_consensus():
    shown = texts(open_page())
    assert "预处理开始时予阿昔洛韦或伐昔洛韦" in shown
    assert "卡氏肺囊虫感染预防至少3个月" in shown
    assert "neutropenia 96%, thrombocytopenia 63%, anaemia 63%" in shown
    assert "3~4级粒细胞、血小板减少和贫血的发生率分别为96%、63%、63%" in shown


# --- the result card: the answer first (issue 15 item 1) ------------------------------------------


def card(at: AppTest, kind: str) -> str:
    """The result card's text: its one markdown block opens with the badge heading."""
    badges = [m.value for m in at.markdown if m.value.startswith(f"### {kind}")]
    assert len(badges) == 1, badges
    return re.sub(r"\\(.)", r"\1", badges[0])


def night_nurse(at: AppTest, weight: float = 68.0) -> AppTest:
    for key, value in (("toxicity_hypotension", "one_vasopressor"), ("toxicity_hypoxia", "low_flow")):
        at.session_state[key] = value
    at.number_input(key="toxicity_temp_c").set_value(39.2)
    at.number_input(key="toxicity_weight_kg").set_value(weight)
    return at.run()


@pytest.mark.parametrize(("lang", "badge", "drivers", "dose"), [
    pytest.param("en", "### CRS grade 3", "**Set by**: fever 39.2 °C · hypotension needing one vasopressor",
                 "**Tocilizumab 544 mg / 27.2 mL (20 mg/mL) IV. Course: 0 dose(s) given; a dose is allowed now.**",
                 id="en"),
    pytest.param("zh", "### CRS 3级", "**分级依据**: 发热 39.2 °C · 低血压,需一种升压药",
                 "**托珠单抗 544 mg / 27.2 mL (20 mg/mL) 静脉滴注。本疗程已用0次;现在可给药。**", id="zh"),
])
def test_result_card_shows_the_grade_and_the_dose_in_mg_and_ml(lang, badge, drivers, dose):
    at = night_nurse(open_page(lang))
    assert not at.exception
    shown = card(at, "CRS")
    assert shown.startswith(badge + "\n")
    assert drivers in shown and dose in shown
    # the same plan as the management section below: one computation, one weight
    assert "8 mg/kg × 68 kg = 544 mg" in texts(at)


def test_result_card_never_keeps_a_stale_weight():
    at = night_nurse(open_page())
    assert "544 mg / 27.2 mL" in card(at, "CRS")
    at.number_input(key="toxicity_weight_kg").set_value(-70).run()
    shown = card(at, "CRS")
    assert "544 mg" not in shown and "mL" not in shown
    assert "Tocilizumab 8 mg/kg IV (enter the weight for the dose)" in shown
    at.number_input(key="toxicity_weight_kg").set_value(80).run()
    assert "640 mg / 32 mL (20 mg/mL) IV" in card(at, "CRS")


@pytest.mark.parametrize(("lang", "crs", "icans"), [
    ("en", "### CRS not assessed", "### ICANS not assessed"), ("zh", "### CRS未评估", "### ICANS未评估")])
def test_result_cards_with_nothing_entered_say_not_assessed(lang, crs, icans):
    at = open_page(lang)
    assert card(at, "CRS") == crs and card(at, "ICANS") == icans


def test_result_card_at_least_and_refused_temperature():
    at = open_page()
    at.number_input(key="toxicity_temp_c").set_value(38.0).run()
    shown = card(at, "CRS")
    assert shown.startswith("### CRS at least grade 1\n")
    assert "Not assessed: hypotension, oxygen; the grade could be up to 4." in shown
    at.number_input(key="toxicity_temp_c").set_value(98.6).run()   # °F: refused under the field
    assert card(at, "CRS").startswith("### CRS not graded\n")


def test_icans_result_card_with_crs_from_the_crs_tab():
    at = night_nurse(open_page())
    at.number_input(key="toxicity_ice_total").set_value(5).run()
    shown = card(at, "ICANS")
    assert shown.startswith("### ICANS at least grade 2\n")
    assert "With concurrent CRS (grade 3): Table 5's with-CRS column." in shown
    assert "**Tocilizumab 544 mg / 27.2 mL (20 mg/mL) IV." in shown


# --- print (issue 15 item 6) -----------------------------------------------------------------------


def print_sheets(at: AppTest) -> dict[str, str]:
    """The Print buttons' sheets by name (ui/print.py): the document in each button frame's inner
    srcdoc, unescaped once, i.e. the HTML the browser prints."""
    import html

    sheets = {}
    for frame in at.get("iframe"):
        doc = frame.proto.srcdoc
        if 'id="print"' in doc:
            name = re.search(r'data-sheet="([^"]+)"', doc).group(1)
            assert name not in sheets, f"two {name} buttons"
            sheets[name] = html.unescape(re.search(r' srcdoc="([^"]*)"', doc).group(1))
    return sheets


def test_print_appears_with_a_result_and_prints_the_plans_on_screen():
    at = open_page()
    assert print_sheets(at) == {}  # nothing entered: nothing to print
    at = night_nurse(at)
    sheets = print_sheets(at)
    assert list(sheets) == ["toxicity-crs-sheet"]  # ICANS not assessed: no Print under its card
    sheet = sheets["toxicity-crs-sheet"]
    assert "<title>CAR-T MM toxicity management sheet</title>" in sheet and "Patient: weight 68 kg" in sheet
    assert "CRS grade 3" in sheet and "Set by: fever 39.2 °C · hypotension needing one vasopressor" in sheet
    assert "Tocilizumab 544 mg / 27.2 mL (20 mg/mL) IV. Course: 0 dose(s) given; a dose is allowed now." in sheet
    assert "ICANS not assessed: nothing entered on the page, so no management is printed for it." in sheet
    assert "<span>病历号 / MRN <i></i></span>" in sheet
    # ICANS graded on its tab: each tab prints both plans, its own first; the ICANS plan's steroids
    at.number_input(key="toxicity_ice_total").set_value(5).run()
    sheets = print_sheets(at)
    crs_sheet, icans_sheet = sheets["toxicity-crs-sheet"], sheets["toxicity-icans-sheet"]
    assert crs_sheet.index("CRS grade 3") < crs_sheet.index("ICANS at least grade 2")
    assert icans_sheet.index("ICANS at least grade 2") < icans_sheet.index("CRS grade 3")
    assert "· Dexamethasone 10 mg IV q6h" in icans_sheet and "· Methylprednisolone 68 mg IV q12h" in icans_sheet
    assert "ICANS: Not assessed: consciousness, seizure, motor weakness" in icans_sheet  # the warning box
    # a new weight: the sheet follows it (never a dose beside another weight)
    at.number_input(key="toxicity_weight_kg").set_value(80).run()
    sheet = print_sheets(at)["toxicity-icans-sheet"]
    assert "640 mg / 32 mL (20 mg/mL) IV" in sheet and "544 mg" not in sheet and "Patient: weight 80 kg" in sheet


def test_print_sheet_in_chinese():
    sheet = print_sheets(night_nurse(open_page("zh")))["toxicity-crs-sheet"]
    assert "<html lang='zh-CN'>" in sheet and "CAR-T 多发性骨髓瘤毒性处理单" in sheet
    assert "CRS 3级" in sheet and "托珠单抗 544 mg / 27.2 mL (20 mg/mL) 静脉滴注" in sheet
    assert "ICANS未评估:页面上未录入任何表现,故未打印其处理。" in sheet
