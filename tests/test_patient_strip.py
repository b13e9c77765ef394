"""One patient across pages (ui/patient.py) in AppTest: values kept across page changes and in
the URL, one tocilizumab dose log for /toxicity and /dosing, the chat's context, "New patient"."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

from streamlit.testing.v1 import AppTest

from tests.conftest import FIXED_NOW, WALL_NOW, card_texts, fix_clock

ROOT = Path(__file__).resolve().parent.parent


def start(lang: str = "en", **params: str) -> AppTest:
    at = fix_clock(AppTest.from_file(str(ROOT / "app.py"), default_timeout=60))
    at.query_params["lang"] = lang
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    return at


def go(at: AppTest, slug: str) -> AppTest:
    at.switch_page(f"pages/{slug}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def shown(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [e.value for e in (*at.error, *at.warning, *at.success, *at.info)]
    return re.sub(r"\\(.)", r"\1", "\n".join(str(p) for p in parts))


def test_weight_entered_on_toxicity_is_the_dosing_weight_and_survives_the_way_back():
    at = go(start(), "toxicity")
    at.number_input(key="toxicity_temp_c").set_value(39.0)
    at.radio(key="toxicity_hypotension").set_value("one_vasopressor")
    at.number_input(key="toxicity_weight_kg").set_value(68.0).run()
    assert "Tocilizumab 544 mg / 27.2 mL (20 mg/mL) IV" in shown(at)
    go(at, "dosing")
    assert at.number_input(key="dosing_weight_kg").value == 68.0
    assert "544 mg" in shown(at) and "8 mg/kg × 68 kg = 544 mg" in shown(at)
    go(at, "toxicity")
    assert at.number_input(key="toxicity_weight_kg").value == 68.0
    assert at.query_params["weight_kg"] == "68"


def test_url_brings_the_patient_back_and_bad_values_are_named():
    at = go(start(weight_kg="68", height_cm="170", infusion="2026-11-27", regimen="CT103A", crs="ge2",
                  sex="female", age="61", toci="2026-12-01T08:00_544,2026-12-01T02:00"), "dosing")
    p = at.session_state
    assert (p["patient_weight_kg"], p["patient_height_cm"], p["patient_sex"], p["patient_age"]) == (68.0, 170.0,
                                                                                                   "female", 61)
    assert p["patient_crs"] == (2, True)
    assert [t for t, _ in p["patient_toci"]] == [datetime(2026, 12, 1, 2, 0), datetime(2026, 12, 1, 8, 0)]
    assert "CRS at least grade 2" in shown(at) and "tocilizumab ×2" in shown(at)
    bad = start(weight_kg="heavy", regimen="CAR-X")  # the page the link opens (here: home) names them
    assert "Link parameter weight_kg=heavy not used: not a number" in shown(bad)
    assert "Link parameter regimen=CAR-X not used: not one of the choices" in shown(bad)


def test_a_dose_logged_on_the_toxicity_chart_is_counted_by_the_dosing_guard():
    at = go(start(weight_kg="70"), "toxicity")
    now = WALL_NOW
    at.date_input(key="toxicity_infusion_date").set_value((now - timedelta(days=3)).date()).run()
    at.datetime_input(key="toxicity_entry_at").set_value(now - timedelta(hours=2))
    at.radio(key="toxicity_dose_kind").set_value("tocilizumab")
    at.number_input(key="toxicity_dose_mg").set_value(560.0).run()
    at.button(key="toxicity_add_dose").click().run()
    assert not at.exception
    go(at, "dosing")
    text = shown(at)
    assert "Tocilizumab doses given in this course: 1" in text
    assert "Not now." in text  # 2 h since the dose logged on /toxicity: the 8-h rule


def test_after_four_doses_the_icans_box_offers_no_fifth():
    """M6 in the page: the ICANS with-CRS tocilizumab line carries the course guard."""
    now = WALL_NOW
    doses = ",".join(f"{now - timedelta(hours=h):%Y-%m-%dT%H:%M}_560" for h in (50, 40, 30, 20))
    at = go(start(weight_kg="70", toci=doses, temp_c="39", hypotension="one_vasopressor", ice="5"), "toxicity")
    cards = card_texts(at)  # the CRS tab's card and the ICANS tab's (with-CRS column) each say it
    assert "Course: 4 dose(s) given; no further dose (at most 4 in total)." in cards["crs"]
    assert "Course: 4 dose(s) given; no further dose (at most 4 in total)." in cards["icans"]


def test_strip_values_reach_the_assistant_context():
    at = go(start(weight_kg="72"), "home")
    at.chat_input(key="home_chat_input").set_value("tocilizumab dose").run()
    assert not at.exception
    assert "576" in shown(at)
    assert "weight_kg" not in at.session_state["home_memory"]  # the strip's, not the chat's


def test_new_patient_clears_everything_including_the_url():
    at = go(start("zh", weight_kg="68", infusion="2026-11-27", toci="2026-12-01T02:00"), "toxicity")
    at.number_input(key="toxicity_temp_c").set_value(39.0).run()
    at.button(key="patient_new").click().run()
    assert not at.exception
    assert at.number_input(key="toxicity_weight_kg").value is None
    assert at.number_input(key="toxicity_temp_c").value is None
    assert at.session_state["patient_toci"] == ()
    assert dict(at.query_params) == {"lang": "zh"}
    assert "已清空:新患者。" in shown(at)


def test_without_a_time_zone_the_server_clock_is_labelled_as_such():
    """AppTest sends no browser zone: the time shown is the server's, and says so."""
    at = go(start(), "dosing")
    assert "UTC, server clock: this browser did not send its time zone" in shown(at)


def test_page_tests_run_on_the_fixed_clock_not_the_machines():
    """tests.conftest.fix_clock: the pages' "now" is FIXED_NOW (09:22 UTC), whatever the machine's time."""
    at = fix_clock(AppTest.from_file(str(ROOT / "app.py"), default_timeout=60))
    at.run()
    from ui.clock import TEST_NOW_KEY
    assert at.session_state[TEST_NOW_KEY] == FIXED_NOW
    at.switch_page("pages/dosing.py").run()
    at.button(key="dosing_toci_add").click().run()   # the time field starts at the page's "now"
    assert [t for t, _ in at.session_state["patient_toci"]] == [WALL_NOW]
