"""Home: what the app is for, its source, the disclaimer and large entries to each tool."""

from __future__ import annotations

from datetime import date
from urllib.parse import parse_qsl, urlsplit

import streamlit as st

from logic import assistant, content
from ui import browser_copy, nav, patient
from ui.components import disclaimer, md_escape, quote_cards
from ui.i18n import lang, t

# The conversation lives in this browser session only (never on disk, never logged); its keys, and
# the copy the browser holds against losing a replica: ui/browser_copy.py.
CHAT, MEMORY, PENDING, STATE = browser_copy.CHAT, browser_copy.MEMORY, browser_copy.PENDING, browser_copy.STATE
FOLLOW_KEYS = ("last", "crs_grade", "tocilizumab_given")
MAX_MESSAGES = 40
EXAMPLES = {"en": ("tocilizumab 70 kg", "ICE 6, awakens to voice", "what does grade 2 ICANS need?"),
            "zh": ("托珠单抗 72kg", "体温38.6 低流量吸氧", "抗原阴性复发怎么办")}


def _ask(question: str) -> None:
    """Answer one question and keep both sides of the exchange in the session."""
    question = question.strip()[:300]
    if not question:
        return
    browser_copy.recover()   # a callback runs before app.py: on a new replica, take the conversation back first
    # The patient strip's values (and the user's own now/today) first; what this conversation
    # itself said overrides them.
    strip_context = patient.current().context()
    context = {**strip_context, **st.session_state.get(STATE, {}), **st.session_state.get(MEMORY, {}),
               "pending": st.session_state.get(PENDING), "lang": lang()}
    try:
        answer = assistant.ask(question, context)
    except Exception:  # noqa: BLE001 - no traceback reaches a user; the reply says what to do
        st.session_state.setdefault(CHAT, []).extend([
            {"role": "user", "text": question},
            {"role": "assistant", "error": True}])
        return
    # Remember only what the conversation itself learned: the strip's values stay the strip's.
    st.session_state[MEMORY] = {k: answer.context[k] for k in assistant.MEMORY_KEYS
                                if k in answer.context and answer.context[k] != strip_context.get(k)}
    st.session_state[PENDING] = answer.context.get("pending")
    st.session_state[STATE] = {k: answer.context[k] for k in FOLLOW_KEYS if answer.context.get(k) is not None}
    chat = st.session_state.setdefault(CHAT, [])
    chat.extend([{"role": "user", "text": question}, {"role": "assistant", "answer": answer.model_dump()}])
    del chat[:-MAX_MESSAGES]


def _on_submit() -> None:
    _ask(st.session_state.get("home_chat_input") or "")


def _forget(key: str) -> None:
    browser_copy.recover()
    memory = dict(st.session_state.get(MEMORY, {}))
    memory.pop(key, None)
    st.session_state[MEMORY] = memory
    st.session_state[PENDING] = None


def _new_patient() -> None:
    # One "New patient" everywhere: the chat's button clears what the strip's does (every page's
    # inputs, the dose log, the URL), so no value of the last patient is left behind either way.
    for key in (CHAT, MEMORY, PENDING, STATE):
        st.session_state.pop(key, None)
    patient.new_patient()   # marks the conversation the browser still holds as not to be taken back


def _chip_label(key: str, value: object) -> str:
    shown = value.isoformat() if isinstance(value, date) else f"{value:g}" if isinstance(value, float) else str(value)
    return t(f"home.chip.{key}", value=shown)


def _tool_link(link: str) -> None:
    """The full tool with the values filled in, if that page exists in this build."""
    parts = urlsplit(link)
    slug = parts.path.strip("/")
    if slug not in {s for s, _ in nav.available()}:
        return
    params = dict(parse_qsl(parts.query))
    params["lang"] = lang()
    st.page_link(f"pages/{slug}.py", label=t("home.open_tool", tool=t("nav." + slug)), icon=":material/open_in_new:",
                 query_params=params, width="stretch")
    if slug == "dosing":  # one tap to the sheet to print, with this answer's items preselected (from=)
        from logic.dose_sheet import print_view_params

        sheet = print_view_params(params)
        if sheet:
            st.page_link("pages/dosing.py", label=t("home.print_sheet"), icon=":material/print:",
                         query_params=sheet, width="stretch")


def _badge(text: str) -> str:
    """A read-back chip: the item as read, in a badge (brackets escaped for the badge syntax)."""
    return f":blue-badge[{md_escape(text).replace('[', '(').replace(']', ')')}]"


def _render_understood(a: dict) -> None:
    """What was read, as chips, before the answer (each tied to the user's words: hover shows them)."""
    items = a.get("readback") or ""
    if not items:
        return
    label, _, rest = items.partition(":")
    rest = rest or label
    chips = [c.strip() for c in rest.split("·") if c.strip()]
    st.markdown(f":small[{md_escape(label)}] " + " ".join(_badge(c) for c in chips))


def _render_answer(a: dict, latest: bool) -> None:
    _render_understood(a)
    if a["kind"] in ("search", "nothing") and a["intent"] in ("search",):
        st.markdown(md_escape(a["headline"]))   # a failed parse is a plain line, not a headline
    elif a["kind"] in ("question", "refusal", "noted", "nothing"):
        st.markdown(f"**{md_escape(a['headline'])}**")
    else:
        st.markdown(f"### {md_escape(a['headline'])}")
    if a["details"]:
        st.markdown("\n".join(f"- {md_escape(d.lstrip('• '))}" for d in a["details"]))
    for note in a["notes"]:
        st.caption(md_escape(note))
    ids = a["recommendation_ids"]
    if ids:
        with st.expander(t("common.quotes_collapsed", n=len(ids)), expanded=False):
            quote_cards(ids, show_notes=latest)
    if a.get("link"):
        _tool_link(a["link"])


def _assistant() -> None:
    st.subheader(t("home.chat_heading"))
    st.caption(t("home.chat_intro"))
    memory = st.session_state.get(MEMORY, {})
    chat = st.session_state.get(CHAT, [])
    if memory or chat:
        with st.container(horizontal=True, gap="small"):
            for key, value in memory.items():
                st.button(_chip_label(key, value), key=f"home_chip_{key}", icon=":material/close:",
                          on_click=_forget, args=(key,), help=t("home.chip_remove"))
            st.button(t("home.new_patient"), key="home_new_patient", icon=":material/person_add:",
                      on_click=_new_patient, type="tertiary")
    last = max((i for i, m in enumerate(chat) if m["role"] == "assistant"), default=-1)
    for i, msg in enumerate(chat):
        with st.chat_message(msg["role"]):
            if msg["role"] == "user":
                st.markdown(md_escape(msg["text"]))
            elif msg.get("error"):
                st.warning(t("home.chat_error"))
            else:
                _render_answer(msg["answer"], latest=i == last)
    if not chat:
        st.caption(t("home.try"))
        with st.container(horizontal=True, gap="small"):
            for n, example in enumerate(EXAMPLES[lang()]):
                st.button(example, key=f"home_example_{n}", on_click=_ask, args=(example,))
    st.caption(t("home.chat_privacy"))


patient.strip()


def _tools_and_source() -> None:
    st.subheader(t("home.tools"))
    for slug, icon in nav.available():
        if slug == "home":
            continue
        with st.container(border=True):
            st.page_link(f"pages/{slug}.py", label=f"**{t('nav.' + slug)}**", icon=icon, width="stretch",
                         query_params={"lang": lang()})
            st.caption(t(f"nav.blurb.{slug}"))

    src = content.source()
    st.subheader(t("home.source_heading"))
    st.markdown(md_escape(t("home.source_text_zh", **src)))
    st.markdown(md_escape(t("home.source_text", **src)))
    # the journal's copyright notice and the writing group stand in the library, as attribution
    st.page_link("pages/library.py", label=t("home.attribution_link"), icon=":material/menu_book:",
                 query_params={"lang": lang()})

    st.subheader(t("home.about_heading"))
    st.write(t("home.about_text"))


st.title(t("home.title"))
st.write(t("home.subtitle"))
disclaimer()
if st.session_state.get(CHAT):
    # A conversation is going: the chat comes last, so the newest answer sits right above the
    # pinned input (Streamlit scrolls a chat page to its end); the rest folds away above it.
    with st.expander(t("home.more"), icon=":material/apps:"):
        _tools_and_source()
    _assistant()
else:
    _assistant()
    _tools_and_source()

# At page level, so Streamlit pins the input to the bottom of the screen (U14).
st.chat_input(t("home.chat_placeholder"), key="home_chat_input", max_chars=assistant.MAX_CHARS, on_submit=_on_submit)
