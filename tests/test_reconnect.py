"""ui/reconnect.py in AppTest: a browser whose replica died sends its next edit to a replica
where its session is new (docs/DEPLOY.md §4). The edit is the new session's first message:
it carries every widget's value but the server has registered none of them. The edit must
land (its callbacks run, once), and the control test shows what Streamlit does without the
helper, so a Streamlit upgrade that changes it fails here."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import fix_clock

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 120


@pytest.fixture(autouse=True)
def warm_replica(monkeypatch):
    """The live replica has run app.py before, as any replica that served a page has, so Streamlit
    has left its pages/-directory mode (st.navigation does that). AppTest starts every run in that
    mode, which would run a new session's page without app.py; this keeps it off. (A cold replica,
    whose first run ever is the reconnect, is tests/test_failover_browser.py's case.)"""
    from streamlit.runtime import pages_manager
    from streamlit.testing.v1 import app_test

    class Warm(pages_manager.PagesManager):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            pages_manager.PagesManager.uses_pages_directory = False

    monkeypatch.setattr(app_test, "PagesManager", Warm)


def _session(page: str | None, **params: str) -> AppTest:
    at = fix_clock(AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT))
    at.query_params.update({"lang": "en", **params})
    at.run()
    if page:
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _on_a_new_replica(old: AppTest) -> AppTest:
    """A new session that gets, as its first message, what `old`'s browser sends next: every
    widget's value as it stands in `old`'s tree (edits made with set_value/click and not run),
    with the page's URL, on the page `old` is on."""
    new = fix_clock(AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT))
    new.query_params.update(old.query_params)
    new._page_hash = old._finished_page_script_hash   # the page the browser is on (AppTest internals)
    new._run(old._tree.get_widget_states())
    assert not new.exception, [e.value for e in new.exception]
    return new


def _text(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    return "\n".join(str(p) for p in parts).replace("\\", "")


def test_a_weight_typed_after_the_failover_gives_its_dose():
    old = _session("pages/dosing.py", weight_kg="72", drug="tocilizumab")
    assert "576 mg IV" in _text(old)
    old.number_input(key="dosing_weight_kg").set_value(80)   # typed; the replica dies before it runs
    new = _on_a_new_replica(old)
    assert new.number_input(key="dosing_weight_kg").value == 80
    assert "640 mg IV" in _text(new) and "576 mg IV" not in _text(new)
    assert new.query_params["weight_kg"] in ("80", ["80"])


def test_a_value_kept_only_in_the_browser_comes_back():
    """The dosing section is in no URL parameter: the first run seeds it ("tocilizumab"); the
    replayed edit brings back the one the browser shows."""
    old = _session("pages/dosing.py", weight_kg="72", drug="tocilizumab")
    old.segmented_control(key="dosing_section").set_value("steroids").run()
    old.number_input(key="dosing_weight_kg").set_value(80)
    new = _on_a_new_replica(old)
    assert new.session_state["dosing_section"] == "steroids"
    assert new.number_input(key="dosing_weight_kg").value == 80
    assert "1 mg/kg × 80 kg = 80 mg" in _text(new)   # methylprednisolone, from the weight typed


def test_a_question_asked_after_the_failover_is_answered():
    old = _session(None)
    old.chat_input(key="home_chat_input").set_value("tocilizumab 90 kg")
    new = _on_a_new_replica(old)
    assert [m.name for m in new.chat_message] == ["user", "assistant"]
    assert "Tocilizumab 720 mg IV" in _text(new)


def test_a_button_pressed_after_the_failover_acts_once():
    old = _session("pages/dosing.py", weight_kg="72", drug="tocilizumab")
    old.button(key="dosing_toci_add").click()
    new = _on_a_new_replica(old)
    assert len(new.session_state["patient_toci"]) == 1
    assert "Doses given in this course: 1 of at most 4" in _text(new)


def test_without_the_replay_streamlit_loses_the_edit(monkeypatch):
    """The cause, as Streamlit 1.67 behaves: a new session's first run has no metadata for the
    browser's widgets, so no callback runs and the page's URL seeding wins over the value sent."""
    import ui.reconnect

    monkeypatch.setattr(ui.reconnect, "_orphans", lambda: [])
    old = _session("pages/dosing.py", weight_kg="72", drug="tocilizumab")
    old.number_input(key="dosing_weight_kg").set_value(80)
    new = _on_a_new_replica(old)
    assert new.number_input(key="dosing_weight_kg").value == 72
    assert "576 mg IV" in _text(new)
    chat = _session(None)
    chat.chat_input(key="home_chat_input").set_value("tocilizumab 90 kg")
    assert not _on_a_new_replica(chat).chat_message


@pytest.mark.parametrize("page", [None, "pages/dosing.py"])
def test_a_page_load_holds_nothing(page):
    at = _session(page)
    assert "reconnect_held" not in at.session_state
    assert at.session_state["reconnect_seen"] is True
