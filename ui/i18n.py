"""The current language, kept in session state and in the URL (?lang=zh)."""

from __future__ import annotations

import streamlit as st

from logic.strings import LANGS, Lang, text

SESSION_KEY = "app_lang"


def language_from_locale(locale: str | None) -> Lang:
    """The browser's language ("zh-CN", "zh-Hant-TW", "en-GB", ...) as one of ours: Chinese for
    any zh locale, English otherwise (review U15: a bare link opened a Chinese browser in English)."""
    if locale and locale.split("-")[0].split("_")[0].lower() == "zh":
        return "zh"
    return "en"


def _browser_locale() -> str | None:
    try:
        return st.context.locale
    except Exception:  # AppTest and old clients have no browser context
        return None


def init_language() -> Lang:
    """Take the language from the URL if given, else from the session, else the browser's."""
    requested = st.query_params.get("lang")
    if requested in LANGS:
        st.session_state[SESSION_KEY] = requested
    lang = st.session_state.setdefault(SESSION_KEY, language_from_locale(_browser_locale()))
    if st.query_params.get("lang") != lang:
        st.query_params["lang"] = lang
    return lang


def lang() -> Lang:
    return st.session_state.get(SESSION_KEY, "en")


def t(key: str, **kwargs: object) -> str:
    return text(lang(), key, **kwargs)


def _on_switch() -> None:
    chosen = st.session_state.get("app_lang_switch")
    if chosen in LANGS:
        st.session_state[SESSION_KEY] = chosen
        st.query_params["lang"] = chosen
        _resend_choices()


def _resend_choices() -> None:
    """A radio or selectbox keeps its choice in the browser as the option's label. After the
    language changes, that label matches no option, and the next run silently reset the choice
    (a CRS hypotension answer fell back to "not assessed"). Writing each choice back makes this
    run send the widgets their values again, labelled in the new language (multiselects too)."""
    for key, value in list(st.session_state.items()):
        if key in (SESSION_KEY, "app_lang_switch"):
            continue
        # str: radio/selectbox/segmented control; list of str: multiselect and multi pills.
        if isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            st.session_state[key] = value


def language_switch() -> None:
    st.session_state["app_lang_switch"] = lang()
    st.segmented_control(
        text(lang(), "common.language"),
        options=list(LANGS),
        format_func=lambda code: {"en": "English", "zh": "中文"}[code],
        key="app_lang_switch",
        on_change=_on_switch,
        label_visibility="collapsed",
    )
