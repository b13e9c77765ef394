"""What a session holds only in the replica's memory, held by the browser too, so that losing the
replica does not lose it (issue 17).

A session keeps, in the memory of the replica serving the browser, the assistant's conversation (the
messages, what it learned about the patient, the question it is waiting on, the last question) and
the inputs of the pages not open now (`kept.*`, ui/persist.py) and the /toxicity chart's rows. When that replica dies, the browser
reconnects to another one, where its session is new and empty: the open page's values come back from
the URL and ui/reconnect.py replays the edit in flight, but the conversation and the other pages'
inputs were gone.

So they are also held by the browser, as the value of one hidden widget drawn last on every page
(`keep()`, from app.py: a widget of the entrypoint keeps its value across pages). A browser sends every widget's
value with each edit; on a new replica ui/reconnect.py replays them, this one among them, and
`recover()` takes the copy back before the edit runs: a value the session has already (the open
page's, from the URL) is not overwritten. A session takes a copy back only until the browser has
sent it back a copy of the session's own: from then on, what the browser sends is the session's own
copy, and a value deleted since ("New patient", a removed chip) is not brought back.

The copy is compressed JSON in the browser's memory only: never on the server's disk, never in the
URL or a log, gone when the tab is closed or reloaded (a reload starts from the URL, as it always did).
"""

from __future__ import annotations

import base64
import json
import zlib
from datetime import date, datetime, time
from typing import Any

import streamlit as st

from logic.episode import EpisodeEntry

# The conversation's session keys (pages/home.py): home_chat = the messages, home_memory = what it
# knows about the patient, home_pending = the question the assistant is waiting on, home_state = the
# last question and CRS grade (follow-ups).
CHAT, MEMORY, PENDING, STATE = "home_chat", "home_memory", "home_pending", "home_state"
KEYS = (CHAT, MEMORY, PENDING, STATE)
PAGE_INPUTS = "kept."           # the pages' inputs kept across page changes (ui/persist.py PREFIX)
OTHERS = ("toxicity_entries",)  # the /toxicity chart's own rows (its tocilizumab doses are in the URL)
WIDGET = "app_browser_copy"     # the hidden widget holding the copy in the browser
LAST = "app_browser_copy_last"       # the copy this session last drew
SETTLED = "app_browser_copy_settled"  # the browser has sent back a copy of this session's own (or "New patient")
# An answer as the chat draws it (pages/home.py `_render_answer`): the rest of it is not shown.
SHOWN = ("kind", "intent", "readback", "headline", "details", "notes", "recommendation_ids", "link")


class _NotKept(Exception):
    """A value of a type the copy does not carry (the key is left out)."""


def _tag(value: Any) -> Any:
    """JSON for a session value: dates, times and tuples tagged so that they come back as they were."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, time):
        return {"$time": value.isoformat()}
    if isinstance(value, EpisodeEntry):
        return {"$entry": value.model_dump(mode="json")}
    if isinstance(value, tuple):
        return {"$tuple": [_tag(v) for v in value]}
    if isinstance(value, list):
        return [_tag(v) for v in value]
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {k: _tag(v) for k, v in value.items()}
    raise _NotKept(type(value).__name__)


_UNTAG = {"$datetime": datetime.fromisoformat, "$date": date.fromisoformat, "$time": time.fromisoformat,
          "$tuple": lambda items: tuple(_untag(v) for v in items), "$entry": EpisodeEntry.model_validate}


def _untag(value: Any) -> Any:
    if isinstance(value, dict):
        if len(value) == 1 and (k := next(iter(value))) in _UNTAG:
            return _UNTAG[k](value[k])
        return {k: _untag(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_untag(v) for v in value]
    return value


def _shown(message: dict) -> dict:
    if "answer" not in message:
        return message
    return {**message, "answer": {k: message["answer"].get(k) for k in SHOWN}}


def _ours(key: object) -> bool:
    return key in KEYS or key in OTHERS or (isinstance(key, str) and key.startswith(PAGE_INPUTS))


def encode(state: Any) -> str:
    """The copy of a session's state (the conversation and the pages' kept inputs) as the text the
    browser holds; "" for none."""
    kept: dict[str, Any] = {}
    for k in sorted(str(k) for k in state if _ours(k)):
        value = state[k]
        if k in KEYS and not value:
            continue
        if k == CHAT:
            value = [_shown(m) for m in value]
        try:
            kept[k] = _tag(value)
        except _NotKept:
            continue
    if not kept:
        return ""
    raw = json.dumps(kept, ensure_ascii=False, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(zlib.compress(raw, 9)).decode("ascii")


def decode(text: str | None) -> dict[str, Any]:
    """The state back from the browser's text; {} for none or for anything that is not ours."""
    if not text:
        return {}
    try:
        kept = _untag(json.loads(zlib.decompress(base64.urlsafe_b64decode(text.encode("ascii")))))
    except (ValueError, TypeError, KeyError, zlib.error, UnicodeError):
        return {}
    if not isinstance(kept, dict):
        return {}
    return {k: v for k, v in kept.items() if _ours(k)}


def recover() -> None:
    """Take the copy back from the browser unless the browser already holds this session's own (a new
    replica). Called before anything reads or changes these values: by app.py before the page, and by
    the chat's own callbacks, which run before app.py."""
    ss = st.session_state
    sent = ss.get(WIDGET)
    if ss.get(SETTLED) or not sent:
        return
    if sent == ss.get(LAST):
        ss[SETTLED] = True
        return
    ss[SETTLED] = True   # taken once: a later copy from the browser is this session's own
    for k, v in decode(sent).items():
        if k not in ss:
            ss[k] = v


def cleared() -> None:
    """'New patient': the copy the browser still holds is never taken back."""
    st.session_state[SETTLED] = True


def keep() -> None:
    """Last in every run, on every page: the hidden widget holds the copy as the run left it."""
    ss = st.session_state
    text = encode(ss)
    ss[WIDGET] = ss[LAST] = text
    with st.container(key=WIDGET + "_box"):
        st.text_input("copy", key=WIDGET, label_visibility="collapsed")
