"""A page's inputs kept across page changes and reloads.

Streamlit drops a widget's value at the end of any run that does not render the widget (a
visit to another page), so a page's inputs are copied into non-widget keys (`kept.<key>`)
after each run and put back before its widgets are drawn again. `mirror_url` also writes them
to the page's own query parameters, so a reload brings them back through the page's usual
link seeding. Session state only: nothing is written to disk.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

import streamlit as st

PREFIX = "kept."


def restore(keys: Iterable[str]) -> None:
    """Before the widgets: put back what a visit elsewhere dropped."""
    ss = st.session_state
    for k in keys:
        if k not in ss and PREFIX + k in ss:
            ss[k] = ss[PREFIX + k]


def save(keys: Iterable[str]) -> None:
    """After the widgets: copy their values (None too: a cleared field stays cleared)."""
    ss = st.session_state
    for k in keys:
        if k in ss:
            ss[PREFIX + k] = ss[k]


def mirror_url(params: dict[str, tuple[str, Callable[[object], str | None]]]) -> None:
    """Write each input to its query parameter (name -> (session key, encoder)); None removes it."""
    qp = st.query_params
    for name, (k, encode) in params.items():
        value = st.session_state.get(k)
        text = None if value is None else encode(value)
        if text is None:
            if name in qp:
                del qp[name]
        elif qp.get(name) != text:
            qp[name] = text


_NOT_VALUES = re.compile(r"(_add(_\w+)?|_remove(_\w+)?|_clear(_\w+)?|_download|_new(_patient)?|_upload|_dl(_\w+)?"
                         r"|_toci_msg|_chat_input|_chart|_timeline|_example_\d+|_chip_\w+)$")


def _page_keys(prefix: str) -> list[str]:
    """A page's widget keys: every session key with its prefix except buttons, downloads and uploads
    (a button's value cannot be set through session state)."""
    return [k for k in st.session_state if isinstance(k, str) and k.startswith(prefix) and not _NOT_VALUES.search(k)]


def restore_page(prefix: str) -> None:
    ss = st.session_state
    for k in [k for k in ss if isinstance(k, str) and k.startswith(PREFIX + prefix)]:
        key = k.removeprefix(PREFIX)
        if key not in ss and not _NOT_VALUES.search(key):
            ss[key] = ss[k]


def save_page(prefix: str) -> None:
    save(_page_keys(prefix))
