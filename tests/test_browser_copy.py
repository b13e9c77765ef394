"""The conversation and the pages' kept inputs held by the browser against losing a replica
(ui/browser_copy.py, issue 17).

A new AppTest session stands for the replica the browser reconnects to: its session is empty, and
the browser sends the hidden widget's value with its next edit (tests/test_failover_browser.py
does the same through nginx with a replica killed)."""

from __future__ import annotations

from datetime import date, datetime, time

from streamlit.testing.v1 import AppTest

from logic.episode import EpisodeEntry
from tests.test_home_page import home as app
from tests.test_home_page import say
from ui import browser_copy


def held(at: AppTest) -> str:
    return at.text_input(key=browser_copy.WIDGET).value


def test_the_state_comes_back_with_its_dates_times_and_tuples():
    state = {"home_chat": [{"role": "user", "text": "托珠单抗 72kg"}],
             "home_memory": {"weight_kg": 72.0, "infusion": date(2026, 11, 20)},
             "home_pending": {"slot": "weight_kg"},
             "home_state": {"last": {"x": {"toci_times": [datetime(2026, 12, 2, 8, 0)], "t": time(8, 30)}},
                            "crs_grade": 2},
             "kept.eligibility_igg": 3.99, "kept.eligibility_seen_params": (("igg", "3.99"),),
             "kept.followup_today": date(2026, 12, 3), "kept.toxicity_note": None,
             "toxicity_entries": (EpisodeEntry(at=datetime(2026, 12, 2, 8, 0), kind="assessment", crs_grade=2,
                                                 crs_at_least=False),),
             "other_page_key": 5}
    text = browser_copy.encode(state)
    assert "72" not in text and "托珠" not in text   # compressed: not the patient's values in plain text
    assert browser_copy.decode(text) == {k: v for k, v in state.items() if k != "other_page_key"}


def test_a_value_of_another_type_is_left_out_not_turned_into_text():
    state = {"kept.a": {1, 2}, "kept.b": 1, "home_memory": {"weight_kg": object()}}
    assert browser_copy.decode(browser_copy.encode(state)) == {"kept.b": 1}


def test_an_answer_is_kept_as_it_is_shown_only():
    answer = {k: f"<{k}>" for k in (*browser_copy.SHOWN, "context", "values")}
    kept = browser_copy.decode(browser_copy.encode({"home_chat": [{"role": "assistant", "answer": answer}]}))
    assert kept["home_chat"][0]["answer"] == {k: f"<{k}>" for k in browser_copy.SHOWN}


def test_no_conversation_is_empty_text_and_garbage_is_nothing():
    assert browser_copy.encode({"home_chat": [], "home_memory": {}}) == ""
    assert browser_copy.decode("") == {} and browser_copy.decode(None) == {}
    assert browser_copy.decode("not ours") == {}
    assert browser_copy.decode(browser_copy.encode({"home_chat": [{"role": "user", "text": "x"}]})[:-4]) == {}


def _chat_app():
    """The copy's part of app.py and pages/home.py: recover() first, keep() last, and a chat whose
    callback changes the conversation (as home's chat input does) after recover()."""
    import streamlit as st

    from ui import browser_copy

    def ask():
        browser_copy.recover()
        st.session_state.setdefault(browser_copy.CHAT, []).append({"role": "user", "text": st.session_state.q})
        st.session_state[browser_copy.MEMORY] = {"weight_kg": 72.0}

    def new_patient():   # as ui/patient.py new_patient: every input and kept value cleared
        for k in [k for k in st.session_state if k in browser_copy.KEYS or str(k).startswith("kept.")]:
            del st.session_state[k]
        st.session_state.q = ""
        browser_copy.cleared()

    browser_copy.recover()
    st.text_input("q", key="q", on_change=ask)
    st.button("new", key="new", on_click=new_patient)
    st.write(len(st.session_state.get(browser_copy.CHAT, [])))
    st.session_state["kept.open_page_q"] = st.session_state.q   # as ui/persist.py save_page, after the widgets
    browser_copy.keep()


def chat_app() -> AppTest:
    at = AppTest.from_function(_chat_app, default_timeout=60)
    at.run()
    assert not at.exception
    return at


def asked(at: AppTest, text: str) -> AppTest:
    at.text_input(key="q").input(text).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_a_new_session_takes_the_conversation_back_with_the_next_question():
    before = asked(asked(chat_app(), "toci"), "72")
    kept = held(before)
    assert browser_copy.decode(kept)["home_chat"] == [{"role": "user", "text": "toci"}, {"role": "user", "text": "72"}]

    after = chat_app()                          # the live replica: a new, empty session
    assert browser_copy.CHAT not in after.session_state
    after.text_input(key=browser_copy.WIDGET).set_value(kept)   # the browser sends what it holds ...
    asked(after, "and MP?")                                  # ... with the user's next question
    assert [m["text"] for m in after.session_state[browser_copy.CHAT]] == ["toci", "72", "and MP?"]
    assert after.session_state[browser_copy.MEMORY] == {"weight_kg": 72.0}
    assert browser_copy.decode(held(after))[browser_copy.CHAT][-1] == {"role": "user", "text": "and MP?"}


def test_any_other_edit_takes_it_back_too():
    kept = held(asked(chat_app(), "tocilizumab 70 kg"))
    after = chat_app()
    after.text_input(key=browser_copy.WIDGET).set_value(kept).run()
    assert [m["text"] for m in after.session_state[browser_copy.CHAT]] == ["tocilizumab 70 kg"]
    assert browser_copy.decode(held(after))[browser_copy.CHAT] == browser_copy.decode(kept)[browser_copy.CHAT]


def test_a_live_session_takes_nothing_back_once_the_browser_holds_its_own_copy():
    at = asked(chat_app(), "toci")
    stale = held(at)
    assert browser_copy.MEMORY in browser_copy.decode(stale)
    asked(at, "72")                             # the browser sent back the session's own copy
    assert at.session_state[browser_copy.SETTLED] is True
    del at.session_state[browser_copy.MEMORY]   # a value this session deleted since
    at.text_input(key=browser_copy.WIDGET).set_value(stale).run()   # an older copy arrives
    assert browser_copy.MEMORY not in at.session_state


def test_another_pages_inputs_come_back_and_the_open_pages_own_stay():
    before = chat_app()
    before.session_state["kept.eligibility_igg"] = 3.99       # an input of a page not open now
    asked(asked(before, "toci"), "72")
    kept = browser_copy.decode(held(before))
    assert kept["kept.eligibility_igg"] == 3.99 and kept["kept.open_page_q"] == "72"

    after = chat_app()                          # the open page's value from the URL: ""
    after.text_input(key=browser_copy.WIDGET).set_value(held(before)).run()
    assert after.session_state["kept.eligibility_igg"] == 3.99
    assert after.session_state["kept.open_page_q"] == ""


def test_new_patient_does_not_take_the_old_conversation_back():
    at = asked(chat_app(), "tocilizumab 70 kg")
    kept = held(at)
    at.button(key="new").click().run()
    assert browser_copy.decode(held(at)) == {"kept.open_page_q": ""}   # only what the page saved since
    # the browser still sending the old text with an edit in flight does not bring it back
    at.text_input(key=browser_copy.WIDGET).set_value(kept).run()
    assert browser_copy.CHAT not in at.session_state
    assert browser_copy.decode(held(at)) == {"kept.open_page_q": ""}


def test_the_app_draws_the_hidden_widget_and_home_new_patient_marks_it_cleared():
    at = app()
    assert held(at) == "" and at.text_input(key=browser_copy.WIDGET).label == "copy"
    say(at, "tocilizumab 70 kg")
    assert [m["role"] for m in at.session_state["home_chat"]] == ["user", "assistant"]
    at.button(key="home_new_patient").click().run()
    assert at.session_state[browser_copy.SETTLED] is True and "home_chat" not in at.session_state
