"""Rendering helpers: quote cards, notes, markdown escaping."""

from __future__ import annotations

import re

import streamlit as st
from streamlit.errors import StreamlitAPIException

from logic import content
from ui.i18n import lang, t
from ui.nav import href

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|~$])")


def md_escape(s: str) -> str:
    """Escape text for st.markdown: '~' would strike through, '$' start maths, and so on."""
    return _MD_SPECIAL.sub(r"\\\1", s)


def library_link(rec_id: str) -> str:
    return href(f"/library?rec={rec_id}&lang={lang()}")


def _inside_expander() -> bool:
    """Whether the cards are being written inside an expander already (an expander in an
    expander is a second tap for nothing, and older Streamlit refuses it)."""
    # Streamlit has no public call for "where am I"; its own nesting checks walk these.
    try:
        from streamlit.delta_generator_singletons import get_last_dg_added_to_context_stack
        dg = get_last_dg_added_to_context_stack()
        return dg is not None and "expandable" in dg._ancestor_block_types
    except (ImportError, AttributeError):  # a renamed internal: nest rather than crash
        return False


# The reader's choice to see our English under the Chinese quotes, for the whole session (a
# display preference like the language, not a page's state; not a widget key, so it survives).
SHOW_ENGLISH = "common_show_english"


def _remember_english(widget_key: str) -> None:
    st.session_state[SHOW_ENGLISH] = st.session_state[widget_key]


def _english_toggle(rec_ids: list[str]) -> bool:
    """In Chinese, one "显示英文" toggle at the top of a group of cards; every group's toggle
    shows the one shared preference."""
    shown = bool(st.session_state.get(SHOW_ENGLISH, False))
    base = "common_english_" + "_".join(rec_ids)[:80]
    for n in range(1, 50):
        # The same group may stand twice on a page: the first free key wins.
        key = base if n == 1 else f"{base}_{n}"
        try:
            # Setting a key its widget already took this run raises too: either way, next key.
            st.session_state[key] = shown
            st.toggle(t("common.show_english"), key=key, on_change=_remember_english, args=(key,))
        except StreamlitAPIException:
            continue
        return shown
    return shown


def english_toggle(key: str) -> None:
    """One "显示英文" toggle for a whole page whose many small groups of cards show none of their own
    (quote_cards(..., toggle=False)): /eligibility has one group per criterion, 27 toggles otherwise."""
    if lang() == "zh":
        st.session_state[key] = bool(st.session_state.get(SHOW_ENGLISH, False))
        st.toggle(t("common.show_english_page"), key=key, on_change=_remember_english, args=(key,))


def _card(rec_id: str, *, show_notes: bool, link: bool, english: bool, first: bool) -> None:
    """The Chinese original, our English beneath (labelled as ours) when shown, then the app's notes.
    At most two elements: a page shows dozens of cards, and each element costs the browser
    render time (bench/, docs/PERFORMANCE.md); a rule, not a bordered box, parts one card from the next."""
    rec = content.recommendation(rec_id)
    parts = [] if first else ["---"]
    parts += [f":gray[:small[{md_escape(t('common.quote_label'))} · {rec.source} · "
              f"{md_escape(t('common.topics.' + rec.topic))}]]",
              f"> {md_escape(rec.quote_zh)}"]
    if english:
        parts += [f":gray[:small[{md_escape(t('common.our_english'))}]]", md_escape(rec.text_en)]
    if link:
        parts.append(f"[{t('common.open_in_library')} →]({library_link(rec_id)})")
    st.markdown("\n\n".join(parts))
    if show_notes and rec.notes:
        # The app's notes stay apart from the quote, labelled, in one box for all of them.
        st.info("\n\n".join(f"**{t('common.app_note')}**: {md_escape(note.text_in(lang()))}  \n"
                            f"_{md_escape(t('common.note_basis', basis=note.basis_in(lang())))}_"
                            for note in rec.notes), icon=":material/info:")


def quote_cards(rec_ids: list[str], *, collapsed: bool = True, show_notes: bool = True,
                link: bool = True, toggle: bool = True) -> None:
    """The cards a result rests on, each once, behind one collapsed "依据原文 (n)" expander
    (review U8: results sat under screens of quotes). collapsed=False where the quote is the
    content (the library). Already inside an expander, the cards stand directly in it.
    In Chinese our English is one tap away behind a "显示英文" toggle; open (library), and in
    English, it shows beneath the Chinese. toggle=False: the page shows one english_toggle for all
    its groups, and this group follows it."""
    ids = list(dict.fromkeys(rec_ids))
    if not ids:
        return
    if collapsed and not _inside_expander():
        with st.expander(t("common.quotes_collapsed", n=len(ids))):
            _cards(ids, show_notes=show_notes, link=link, toggle=True, own_toggle=toggle)
    else:
        _cards(ids, show_notes=show_notes, link=link, toggle=collapsed, own_toggle=toggle)


def _cards(ids: list[str], *, show_notes: bool, link: bool, toggle: bool, own_toggle: bool = True) -> None:
    if not toggle or lang() != "zh":
        english = True
    elif own_toggle:
        english = _english_toggle(ids)
    else:
        english = bool(st.session_state.get(SHOW_ENGLISH, False))
    for i, rec_id in enumerate(ids):
        _card(rec_id, show_notes=show_notes, link=link, english=english, first=i == 0)


def quote_card(rec_id: str, *, collapsed: bool = True, show_notes: bool = True, link: bool = True,
               toggle: bool = True) -> None:
    """One card, as quote_cards([rec_id]): behind "依据原文 (1)" unless collapsed=False."""
    quote_cards([rec_id], collapsed=collapsed, show_notes=show_notes, link=link, toggle=toggle)


def disclaimer() -> None:
    st.caption(t("common.disclaimer"))



def share_link(url: str, *, label: str, key: str) -> None:
    """The link to share, written out as a code line: Streamlit's own copy button sits on it (44 px, and
    shown without a hover, which a touch screen has not, by ui/style.py's .st-key-share_*), and a
    long-press selects it on any phone. `key` starts with "share_"."""
    with st.container(key=key):
        st.caption(md_escape(label))
        st.code(url, language=None, wrap_lines=True)
