"""Links to the dose sheet carry where they came from (issue 15 item 6, review U13): every link to
/dosing for a drug says from=<its section>, the chat offers the print view (section=sheet) beside
"open the tool", and that print view starts with the items of the section the link came from."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from streamlit.testing.v1 import AppTest

from logic import dose_sheet
from logic.assistant import ask
from tests.conftest import TODAY
from tests.test_dosing_page import open_dosing

ROOT = Path(__file__).resolve().parent.parent


def _query(link: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(link).query))


# --- logic -------------------------------------------------------------------------------------

def test_every_drug_a_dosing_link_names_has_a_known_origin():
    assert set(dose_sheet.ORIGIN_OF_DRUG.values()) <= set(dose_sheet.PRESELECT)
    assert dose_sheet.with_origin({"drug": "dexamethasone", "weight_kg": 60}) == \
        {"drug": "dexamethasone", "weight_kg": 60, "from": "steroids"}
    assert dose_sheet.with_origin({"lang": "zh"}) == {"lang": "zh"}  # no drug: no origin to add


def test_the_print_view_keeps_the_values_and_the_origin_and_opens_the_sheet():
    assert dose_sheet.print_view_params({"weight_kg": "72", "drug": "tocilizumab", "from": "tocilizumab",
                                         "toci": "2026-12-02T01:00"}) == \
        {"weight_kg": "72", "from": "tocilizumab", "toci": "2026-12-02T01:00", "section": "sheet"}
    assert dose_sheet.print_view_params({"weight_kg": "72", "drug": "tocilizumab"}) is None  # no origin
    assert dose_sheet.print_view_params({"from": "nowhere"}) is None


# --- the chat's links ----------------------------------------------------------------------------

CHAT_ASKS = [
    ("tocilizumab 72 kg", "tocilizumab", ["tocilizumab"]),
    ("methylprednisolone dose 70 kg", "steroids", dose_sheet.PRESELECT["steroids"]),
    ("CT103A 160cm 55kg", "lymphodepletion", ["lymphodepletion"]),
]


@pytest.mark.parametrize(("question", "origin", "items"), CHAT_ASKS)
def test_the_chats_dosing_links_say_where_they_come_from(question, origin, items):
    a = ask(question, {"today": TODAY, "lang": "en"})
    assert urlsplit(a.link).path == "/dosing"
    assert _query(a.link)["from"] == origin


@pytest.mark.parametrize(("question", "origin", "items"), CHAT_ASKS)
def test_the_chats_print_view_preselects_that_sections_items(question, origin, items):
    sheet = dose_sheet.print_view_params(_query(ask(question, {"today": TODAY, "lang": "en"}).link))
    at = open_dosing(**sheet)
    assert at.session_state["dosing_section"] == "sheet"
    assert at.session_state["dosing_sheet_from"] == origin
    assert at.multiselect(key="dosing_sheet_parts").value == list(items)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_chat_shows_the_print_link_beside_the_tool_link(lang):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["lang"] = lang
    at.run()
    at.chat_input(key="home_chat_input").set_value("tocilizumab 72 kg").run()
    assert not at.exception
    from logic.strings import text

    links = {p.proto.label: p.proto for p in at.get("page_link")}
    printed = links[text(lang, "home.print_sheet")]
    assert printed.page == "dosing"
    assert dict(parse_qsl(printed.query_string)) == {"weight_kg": "72", "from": "tocilizumab", "lang": lang,
                                                     "section": "sheet"}
    # An answer that links elsewhere offers no sheet: still the one print link, of the first answer.
    at.chat_input(key="home_chat_input").set_value("temp 38.6 on low flow").run()
    labels = [p.proto.label for p in at.get("page_link")]
    assert labels.count(text(lang, "home.print_sheet")) == 1 and labels[-1].startswith(
        text(lang, "home.open_tool", tool=text(lang, "nav.toxicity")))


# --- the other pages' links ----------------------------------------------------------------------

def test_the_evidence_links_to_dosing_carry_from():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["lang"] = "en"
    at.query_params["tab"] = "table2"
    at.run()
    at.switch_page("pages/evidence.py").run()
    assert not at.exception
    dosing = [p.proto for p in at.get("page_link") if p.proto.page == "dosing" and "drug=" in p.proto.query_string]
    assert dosing and all(dict(parse_qsl(p.query_string))["from"] == "lymphodepletion" for p in dosing)
