"""The chat's "open in the tool" links open the page with the same inputs (issue 13 item 5):
each link is opened in AppTest and the page shows the value the chat computed."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from streamlit.testing.v1 import AppTest

from logic.assistant import ask
from logic.strings import text as catalog_text
from tests.conftest import card_badges

ROOT = Path(__file__).resolve().parent.parent


def open_link(link: str, lang: str = "en") -> AppTest:
    url = urlsplit(link)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["lang"] = lang
    for k, v in parse_qsl(url.query):
        at.query_params[k] = v
    at.run()
    at.switch_page(f"pages{url.path}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def shown(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [e.value for e in (*at.error, *at.warning, *at.success, *at.info)]
    return "\n".join(str(p) for p in parts).replace("\\", "")


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _now() -> datetime:
    return datetime.now().replace(second=0, microsecond=0)


def test_tocilizumab_times_reach_the_dosing_guard_with_the_same_verdict():
    now = _now()
    given = [now - timedelta(hours=2)]
    a = ask("when can I give the next tocilizumab dose? 72 kg",
            {"now": now, "today": now.date(), "tocilizumab_given": given, "lang": "en"})
    assert a.values["allowed"] is False and "given=" not in a.link
    earliest = datetime.fromisoformat(a.values["earliest"])
    at = open_link(a.link)
    assert [t for t, _ in at.session_state["patient_toci"]] == given
    assert at.session_state["patient_weight_kg"] == 72
    text = shown(at)
    assert "Not now." in text and f"{earliest:%Y-%m-%d %H:%M}" in text


def test_tocilizumab_dose_link_gives_the_same_dose():
    a = ask("tocilizumab 72 kg", {"lang": "en"})
    at = open_link(a.link)
    assert f"{a.values['dose_mg']:g} mg IV" in shown(at)


def test_crs_findings_give_the_same_grade_and_course_log_on_toxicity():
    now = _now()
    given = [now - timedelta(hours=30)]
    a = ask("T 39.4, on norepinephrine plus dopamine, 4L NC, 68 kg",
            {"now": now, "today": now.date(), "tocilizumab_given": given, "lang": "en"})
    assert a.intent == "crs_grade" and a.values["grade"] == 4
    at = open_link(a.link)
    assert card_badges(at)["crs"] == "CRS grade 4"
    assert at.session_state["toxicity_hypotension"] == "multiple_vasopressors"
    assert at.session_state["patient_weight_kg"] == 68
    assert [t for t, _ in at.session_state["patient_toci"]] == given


def test_masked_fever_reaches_toxicity():
    a = ask("T 37.2 after tocilizumab, fever 39 before, one pressor, room air", {"lang": "en"})
    assert a.intent == "crs_grade"
    assert "masked_fever=1" in a.link
    at = open_link(a.link)
    assert at.session_state["toxicity_masked_fever"] is True
    grade = a.values["grade"]
    assert card_badges(at)["crs"] == (f"CRS at least grade {grade}" if a.values["at_least"] else f"CRS grade {grade}")


def test_icans_findings_give_the_same_grade_on_toxicity():
    a = ask("ICE 6, awakens to voice, no seizure, no cerebral edema, no weakness", {"lang": "en"})
    assert a.intent == "icans_grade"
    at = open_link(a.link)
    grade = a.values["grade"]
    assert card_badges(at)["icans"] == (f"ICANS at least grade {grade}" if a.values["at_least"] else f"ICANS grade {grade}")


def test_stated_crs_grade_reaches_the_strip():
    a = ask("grade 2 CRS management, 70 kg", {"lang": "en"})
    assert a.intent == "crs_grade" and a.values.get("stated")
    at = open_link(a.link)
    assert at.session_state["patient_crs"] == (2, False)


def test_lymphodepletion_link_gives_the_same_bsa_and_doses():
    a = ask("CT103A 160cm 55kg", {"lang": "en", "infusion": date.today() + timedelta(days=10)})
    at = open_link(a.link)
    text = shown(at)
    assert f"BSA {a.values['bsa_m2']:g} m²" in text
    frame = at.dataframe[0].value
    for d in a.values["doses"]:
        assert d["amount_mg"] in frame.iloc[:, 3].tolist()
    assert at.session_state["patient_infusion"] == date.today() + timedelta(days=10)


def test_washout_dates_give_the_same_earliest_apheresis():
    last = date.today() - timedelta(days=3)
    a = ask(f"last lenalidomide {last.isoformat()}, when can we collect?", {"lang": "en", "today": date.today()})
    assert a.intent == "washout"
    at = open_link(a.link)
    assert at.metric[0].value == datetime.fromisoformat(a.values["earliest_at"]).strftime("%Y-%m-%d %H:%M")


def test_followup_link_gives_the_same_day_and_next_visit():
    a = ask("infusion 2026-01-31, next follow-up?", {"lang": "en", "today": date(2026, 4, 10)})
    assert a.intent == "followup"
    at = open_link(a.link)
    assert metrics(at) and list(metrics(at).values())[0] == f"Day +{a.values['day']}"


@pytest.mark.parametrize(("question", "infection", "expected"), [
    ("IgG 5 g/L, no infection", "no", "Monitor"),
    ("IgG 6 g/L with infection", "yes", "Give immunoglobulin (IVIG) replacement"),
])
def test_igg_link_gives_the_same_decision(question, infection, expected):
    a = ask(question, {"lang": "en"})
    assert a.intent == "ivig"
    at = open_link(a.link)
    assert at.session_state["followup_infection"] == infection
    assert expected in shown(at) and "Incomplete" not in shown(at)


def test_relapse_link_offers_the_same_options():
    a = ask("antigen negative relapse after a murine CAR-T", {"lang": "en"})
    at = open_link(a.link)
    offered = [m.value.strip("*") for m in at.markdown if m.value.startswith("**") and m.value.endswith("**")]
    for option in a.values["option_ids"]:
        assert catalog_text("en", f"relapse.option.{option}") in offered


def test_library_link_carries_the_question():
    a = ask("how long is PJP prophylaxis continued after infusion", {"lang": "en"})
    assert a.intent == "search"
    at = open_link(a.link)
    assert at.session_state["library_query"] == "how long is PJP prophylaxis continued after infusion"


def test_icaht_series_link_gives_the_same_grades_on_cytopenia():
    a = ask("ICAHT d0 1.8, d2 0.9, d4 0.3, d5 0.08, d6 0.05, d7 0.06, d8 0.09, d10 0.2, d12 0.45, d14 0.4, "
            "d16 1.1, d35 0.4, d40 0.45", {"lang": "en"})
    assert a.intent == "icaht" and "series=" in a.link
    at = open_link(a.link)
    headings = [m.value.strip("*") for m in at.markdown if m.value.startswith("**") and "ICAHT (" in m.value]
    assert headings == a.text.splitlines()[1].split(" · ")
    assert "Beyond the 2022 consensus" in shown(at)


def test_hematotox_reply_links_to_cytopenia_without_a_score():
    a = ask("HEMATOTOX ANC 1.2 Hb 90 PLT 100 CRP 5 ferritin 800", {"lang": "en"})
    assert a.link == "/cytopenia" and "score" not in a.values and "risk" not in a.values
    at = open_link(a.link)
    assert "Not computed by this app" in shown(at)


def test_icaht_refusal_link_shows_the_same_refusal_under_the_table():
    a = ask("ICAHT d0 1.8, d5 800", {"lang": "en"})
    assert a.kind == "refusal" and "0.8" in a.text
    at = open_link(a.link)
    # the page names the refused line under the table (and grades the others; the chat grades none)
    assert any("looks like cells/µL" in e.value and "0.8" in e.value for e in at.error)
