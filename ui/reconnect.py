"""A browser that reconnects to a replica where its session is new (its replica died, issue 17).

What Streamlit does then (1.67, read in its source):
- The frontend reconnects and, when no run was in progress, does NOT ask for a run: the
  screen keeps what the dead replica drew. Its next message is the user's next edit, carrying
  every widget's value (frontend `handleConnectionStateChanged`).
- That edit is the new session's first run. The server has no metadata for those widgets yet
  (they register while a run draws them), so no on_change/on_submit/on_click callback runs
  (`SessionState._call_callbacks` skips a widget without metadata) and
  `st.session_state[key]` does not see the browser's value before the widget is drawn. The
  pages then seed their widgets from the URL through the Session State API, which wins over
  what the browser sent: the edit was lost (weight 80 typed, 72 shown again, no 640 mg) and a
  question typed into the chat was never answered.

So on a session's first run, the widget values that came with it are held back (`hold`): the
run is the run the frontend skipped, a page load from the URL, as a reload is. It draws
nothing in the browser (its messages are dropped): the browser keeps its screen, with the value
just typed, as during any run. At its end (`replay`), the held values are sent again as one
interaction on top of it, where every widget is registered: each changed value goes through
its callback, as it would have on the dead replica, and a button press or a chat question fires
once. That run draws the page. The held values stay in this session's memory for that one run
(nothing on disk, nothing logged).

(An st.rerun() before `hold`, such as ui/__init__.py's on a replica's first run ever, keeps the
values the browser sent: a rerun without widget states leaves them in place.)

The Streamlit internals this needs are read in `_orphans`, `_mute`/`_unmute` and
`_request_rerun` only; tests/test_reconnect.py checks them against the installed Streamlit.
"""

from __future__ import annotations

import streamlit as st

SEEN = "reconnect_seen"      # this session has had a run (st.session_state, a bool)
HELD = "reconnect_held"      # the widget values held back from the session's first run


def _orphans() -> list:
    """Take out of this run's widget state the values the browser sent for widgets this session
    never registered (WidgetState protos), and return them. Internals: SessionState's
    `_new_widget_state` (a WStates: `.states`, id -> Serialized | Value; `.widget_metadata`)."""
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx
    from streamlit.runtime.state.session_state import Serialized

    ctx = get_script_run_ctx()
    if ctx is None:
        return []
    state = getattr(ctx.session_state, "_state", None)
    widgets = getattr(state, "_new_widget_state", None)
    if widgets is None:
        return []
    taken = [wid for wid, v in widgets.states.items()
             if isinstance(v, Serialized) and wid not in widgets.widget_metadata]
    return [widgets.states.pop(wid).value for wid in taken]


class _Muted:
    """A script run's message sink that drops what it is given (the original kept to restore)."""

    def __init__(self, original) -> None:
        self.original = original

    def __call__(self, msg) -> None:
        return None


def _mute() -> None:
    """Drop this run's messages to the browser. Internals: ScriptRunContext._enqueue, the sink
    every element, query-string and page message of a run goes through."""
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

    ctx = get_script_run_ctx()
    if ctx is not None and not isinstance(ctx._enqueue, _Muted):
        ctx._enqueue = _Muted(ctx._enqueue)


def _unmute() -> None:
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

    ctx = get_script_run_ctx()
    if ctx is not None and isinstance(ctx._enqueue, _Muted):
        ctx._enqueue = ctx._enqueue.original


def _request_rerun(protos: list) -> bool:
    """Queue a rerun of this page carrying `protos` as the browser's widget states, as the
    frontend's own rerun message does (what st.rerun() queues, plus the widget states)."""
    from streamlit.proto.WidgetStates_pb2 import WidgetStates
    from streamlit.runtime.scriptrunner_utils.script_requests import RerunData
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

    ctx = get_script_run_ctx()
    if ctx is None or ctx.script_requests is None:
        return False
    states = WidgetStates()
    states.widgets.extend(protos)
    return ctx.script_requests.request_rerun(RerunData(
        query_string=ctx.query_string, widget_states=states, page_script_hash=ctx.page_script_hash,
        cached_message_hashes=ctx.cached_message_hashes, context_info=ctx.context_info))


def hold() -> None:
    """First thing in a run. On the session's first run, hold back what the browser sent."""
    ss = st.session_state
    if ss.get(SEEN):
        return
    ss[SEEN] = True
    held = _orphans()
    if held:
        ss[HELD] = held
        _mute()


def replay() -> None:
    """Last thing in a run (also when it stopped early): send the held values as an edit, and
    end this run there, as st.rerun() does, so the browser gets the edit's run and only it."""
    _unmute()
    held = st.session_state.pop(HELD, None)
    if held and _request_rerun(held):
        st.empty()  # the runner acts on the queued rerun at the next element (st.rerun()'s own way)
