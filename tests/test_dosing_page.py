"""/dosing in AppTest: query parameters, refusals next to the field, the tocilizumab guard,
lymphodepletion and the dose sheet, in both languages."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import WALL_NOW, fix_clock

ROOT = Path(__file__).resolve().parent.parent


def open_dosing(lang: str = "en", **params: str) -> AppTest:
    at = fix_clock(AppTest.from_file(str(ROOT / "app.py"), default_timeout=60))
    at.query_params["lang"] = lang
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    at.switch_page("pages/dosing.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def shown(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [e.value for e in (*at.error, *at.warning, *at.success, *at.info)]
    return "\n".join(str(p) for p in parts).replace("\\", "")  # md_escape's backslashes


def section(at: AppTest, name: str) -> AppTest:
    at.segmented_control(key="dosing_section").set_value(name).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["dosing_section"] == name
    return at


@pytest.mark.parametrize(("lang", "line"), [("en", "576 mg IV"), ("zh", "576 mg 静脉滴注")])
def test_weight_from_link_gives_tocilizumab_with_quote(lang, line):
    at = open_dosing(lang, weight_kg="72", drug="tocilizumab")
    text = shown(at)
    assert line in text
    assert "8 mg/kg × 72 kg = 576 mg" in text
    assert "28.8 mL" in text
    assert "托珠单抗用法为8 mg/kg" in text  # the quote, verbatim
    assert at.number_input(key="dosing_weight_kg").value == 72


def test_cap_shown_with_unrounded_value():
    text = shown(open_dosing(weight_kg="105"))
    assert "840 mg" in text and "800 mg IV" in text and "Capped" in text


@pytest.mark.parametrize(("field", "value", "needle"), [
    ("dosing_weight_kg", 72000, "looks like grams"),
    ("dosing_weight_kg", 25, "outside this adult consensus"),
    ("dosing_weight_kg", 301, "above 300 kg"),
    ("dosing_height_cm", 1.7, "looks like metres"),
    ("dosing_height_cm", 99, "below 100 cm"),
])
def test_bad_input_refused_next_to_field_and_kept(field, value, needle):
    at = open_dosing(weight_kg="72", height_cm="170")
    at.number_input(key=field).set_value(value).run()
    assert not at.exception
    assert any(needle in e.value for e in at.error), [e.value for e in at.error]
    assert at.number_input(key=field).value == value  # nothing entered is lost
    other = "dosing_height_cm" if field == "dosing_weight_kg" else "dosing_weight_kg"
    assert at.number_input(key=other).value in (72, 170)


def test_weight_limits_accepted():
    for w in (30, 300):
        at = open_dosing(weight_kg=str(w))
        assert not at.error, [e.value for e in at.error]


def test_bad_link_values_ignored_with_a_message():
    at = fix_clock(AppTest.from_file(str(ROOT / "app.py"), default_timeout=60))
    for k, v in {"lang": "en", "weight_kg": "abc", "regimen": "CAR-X", "drug": "aspirin",
                 "infusion": "10/03/2026"}.items():
        at.query_params[k] = v
    # weight, regimen and infusion are the patient strip's: the first page a link opens names them
    first = " ".join(w.value for w in at.run().warning)
    at.switch_page("pages/dosing.py").run()
    warnings = (first + " ".join(w.value for w in at.warning)).replace("\\", "")
    for name in ("weight_kg", "regimen", "drug", "infusion"):
        assert name in warnings
    assert at.number_input(key="dosing_weight_kg").value is None


def _add_dose(at: AppTest, when: datetime) -> AppTest:
    """Into the patient's one dose log (ui/patient.py), as a nurse does: the time, then Add."""
    at.datetime_input(key="dosing_toci_at").set_value(when.replace(second=0, microsecond=0))
    at.button(key="dosing_toci_add").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_guard_first_dose_then_8_hour_rule_then_allowed():
    at = open_dosing(weight_kg="72")
    assert "Another dose is allowed now." in shown(at)
    now = WALL_NOW
    _add_dose(at, now - timedelta(hours=2))
    text = shown(at)
    assert "Not now." in text and "At least 8 h between doses" in text
    assert "no more than 4 in 24 h" in text and "at most 3 in any 24 h" in text and "stricter applies" in text
    at.button(key="dosing_toci_remove_0").click().run()
    _add_dose(at, now - timedelta(hours=9))
    assert "Another dose is allowed now." in shown(at)


def test_guard_stops_after_four_doses():
    at = open_dosing("zh", weight_kg="72")
    start = WALL_NOW - timedelta(hours=80)
    for h in (0, 8, 16, 24):
        _add_dose(at, start + timedelta(hours=h))
    text = shown(at)
    assert "不可再给" in text and "已给 4 次" in text


def test_guard_refuses_future_and_duplicate_times_and_keeps_the_log_in_order():
    at = open_dosing(weight_kg="72")
    _add_dose(at, WALL_NOW + timedelta(hours=3))
    assert any("is later than now" in e.value for e in at.error), [e.value for e in at.error]
    assert at.session_state["patient_toci"] == ()
    now = WALL_NOW
    _add_dose(at, now - timedelta(hours=2))
    _add_dose(at, now - timedelta(hours=12))
    assert [t for t, _ in at.session_state["patient_toci"]] == [now - timedelta(hours=12), now - timedelta(hours=2)]
    _add_dose(at, now - timedelta(hours=2))
    assert any("already in the list" in e.value for e in at.error)
    assert len(at.session_state["patient_toci"]) == 2  # kept


def test_steroids_each_with_its_rule():
    at = open_dosing(weight_kg="72.5", drug="methylprednisolone")
    text = shown(at)
    for needle in ("10 mg IV every 6 h", "73 mg IV every 12 h", "1000 mg IV once daily", "750 mg by mouth every 12 h",
                   "1 mg/kg × 72.5 kg = 72.5 mg", "CRS grade 3 (Table 4)", "ICANS grade 2 (Table 5)"):
        assert needle in text, needle
    at.checkbox(key="dosing_refractory").check().run()
    assert "20 mg IV every 6 h" in shown(at)


def test_lymphodepletion_from_link_with_calendar():
    at = open_dosing(weight_kg="70", height_cm="170", drug="lymphodepletion", regimen="anti-BCMA/anti-CD19",
                     infusion="2026-03-10")
    text = shown(at)
    assert "BSA 1.82 m²" in text and "single dose on day -5" in text
    assert "consensus recommends fludarabine plus cyclophosphamide" in text
    frame = at.dataframe[0].value
    assert 1365 in frame.iloc[:, 3].tolist() and "2026-03-05" in frame.iloc[:, 1].tolist()
    at.segmented_control(key="dosing_bsa_formula").set_value("dubois").run()
    assert "BSA 1.81 m²" in shown(at)


def test_lymphodepletion_renal_clearance_information_only():
    at = open_dosing(weight_kg="70", height_cm="170", drug="lymphodepletion", regimen="CT103A")
    at.number_input(key="dosing_age").set_value(60)
    at.segmented_control(key="dosing_sex").set_value("male")
    at.number_input(key="dosing_creatinine").set_value(88.4)
    at.segmented_control(key="dosing_creatinine_unit").set_value("mg/dL").run()
    assert any("looks like µmol/L" in e.value for e in at.error)
    at.segmented_control(key="dosing_creatinine_unit").set_value("umol/L").run()
    text = shown(at)
    assert "78 mL/min" in text and "no renal dose adjustment" in text


def test_cells_and_collection():
    at = section(open_dosing(weight_kg="72"), "cells")
    text = shown(at)
    assert "(4320~43200)×10⁶" in text and "4.32×10⁹" in text
    assert "淋巴细胞采集量一般为(60~600)×10⁶/kg" in text
    assert len(at.dataframe[0].value) == 12


@pytest.mark.parametrize(("lang", "needle"), [("en", "Lymphodepletion · CT103A"), ("zh", "预处理 · CT103A")])
def test_dose_sheet_section_offers_the_download(lang, needle):
    # AppTest formats a segmented control's value with format_func in the test process (in
    # English), so the section is chosen through session state before the page first runs.
    at = fix_clock(AppTest.from_file(str(ROOT / "app.py"), default_timeout=60))
    for k, v in {"lang": lang, "weight_kg": "72", "height_cm": "170", "regimen": "CT103A"}.items():
        at.query_params[k] = v
    at.run()
    at.session_state["dosing_section"] = "sheet"
    at.switch_page("pages/dosing.py").run()
    assert not at.exception, [e.value for e in at.exception]
    parts = at.multiselect(key="dosing_sheet_parts").value
    assert {"tocilizumab", "lymphodepletion", "collection", "levetiracetam"} <= set(parts)
    assert at.get("download_button"), "no download button"
    assert needle in shown(at)


def test_lymphodepletion_shows_route_trial_caveat_per_kg_and_the_renal_line():
    # Review M7: failed before the fix (no route, no caveat, no renal line until a CrCl was typed).
    at = open_dosing(weight_kg="70", height_cm="170", drug="lymphodepletion", regimen="CT103A")
    text = shown(at)
    assert "Trial regimen as printed in Table 2" in text
    assert "2.6× the 300 mg/m² of the per-m² rows" in text
    assert "creatinine clearance not entered" in text
    assert set(at.dataframe[0].value["Route"]) == {"IV, once daily"}
    at.number_input(key="dosing_age").set_value(60)
    at.segmented_control(key="dosing_sex").set_value("male")
    at.number_input(key="dosing_creatinine").set_value(88.4)
    at.segmented_control(key="dosing_creatinine_unit").set_value("umol/L").run()
    assert "Creatinine clearance 78 mL/min (50-79): the fludarabine label lowers" in shown(at)


def test_levetiracetam_shows_the_label_renal_line():
    # Review M10: failed before the fix (750 mg PO q12h with no renal caveat).
    at = section(open_dosing(weight_kg="70"), "steroids")
    assert "Levetiracetam is renally cleared: creatinine clearance not entered" in shown(at)


def _print_frames(at: AppTest) -> list[str]:
    """The Print buttons' component frames (ui/print.py): their HTML, which holds the sheet."""
    return [e.proto.srcdoc for e in at.get("iframe") if "id=\"print\"" in e.proto.srcdoc]


def test_sheet_after_lymphodepletion_preselects_lymphodepletion_only_and_warns_of_missing_dates():
    # Issue 15 item 6: a pharmacist who did LD gets LD only (before: all 8 items).
    at = open_dosing(weight_kg="72", height_cm="170", drug="lymphodepletion", regimen="CT103A")
    at = section(at, "sheet")
    assert at.multiselect(key="dosing_sheet_parts").value == ["lymphodepletion"]
    assert "Dates missing: no infusion date entered" in shown(at)
    frames = _print_frames(at)
    assert len(frames) == 1 and "Lymphodepletion · CT103A" in frames[0] and "Tocilizumab" not in frames[0]
    assert at.get("download_button"), "the download stays beside the print button"
    # The choice survives a visit to another section and back.
    at.multiselect(key="dosing_sheet_parts").set_value(["lymphodepletion", "collection"]).run()
    at = section(section(at, "cells"), "sheet")
    assert at.multiselect(key="dosing_sheet_parts").value == ["collection"]  # came from cells now
    at = section(section(at, "lymphodepletion"), "sheet")
    assert at.multiselect(key="dosing_sheet_parts").value == ["lymphodepletion"]


def test_sheet_with_infusion_date_has_no_missing_date_warning():
    at = open_dosing(weight_kg="72", height_cm="170", drug="lymphodepletion", regimen="CT103A",
                     infusion="2026-03-10")
    at = section(at, "sheet")
    assert "Dates missing" not in shown(at) and "Dates missing" not in _print_frames(at)[0]


def test_sheet_link_from_toxicity_preselects_the_plans():
    at = open_dosing(weight_kg="72", section="sheet", **{"from": "steroids"})
    assert at.session_state["dosing_section"] == "sheet"
    assert at.multiselect(key="dosing_sheet_parts").value == [
        "dexamethasone", "dexamethasone_refractory", "methylprednisolone", "methylprednisolone_high", "levetiracetam"]
    bad = open_dosing(weight_kg="72", section="sheet", **{"from": "nowhere"})
    assert "from = “nowhere”" in shown(bad)


@pytest.mark.parametrize(("lang", "badge", "flu", "cy"), [
    ("en", "### BSA 1.66 m²", "Fludarabine 30 mg/m²/day → 50 mg IV, once daily, D-5 to D-3",
     "Cyclophosphamide 300 mg/m²/day → 498 mg IV, once daily, D-5 to D-3"),
    ("zh", "### 体表面积 1.66 m²", "氟达拉滨 每日30 mg/m² → 50 mg 静脉输注,每日1次,D-5至D-3",
     "环磷酰胺 每日300 mg/m² → 498 mg 静脉输注,每日1次,D-5至D-3"),
])
def test_lymphodepletion_result_card_cartitude_1_165_cm_60_kg(lang, badge, flu, cy):
    """Issue 15 item 1: the card gives the BSA and both daily doses, as the table below does."""
    at = open_dosing(lang, weight_kg="60", height_cm="165", drug="lymphodepletion", regimen="CARTITUDE-1")
    cards = [m.value.replace("\\", "") for m in at.markdown if m.value.startswith("### ") and "m²" in m.value
             and "→" in m.value]
    assert len(cards) == 1
    assert cards[0].startswith(badge + "\n")
    assert f"**{flu}**" in cards[0] and f"**{cy}**" in cards[0]
    assert "√(165 cm × 60 kg / 3600) = 1.6583 → 1.66 m²" in cards[0]
