"""Rendering helpers: quote cards, notes, markdown escaping."""

from __future__ import annotations

import re

import streamlit as st
from streamlit.errors import StreamlitAPIException

from logic import cards, content
from ui.i18n import lang, t
from ui.nav import href

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|~$])")


def md_escape(s: str) -> str:
    """Escape text for st.markdown: '~' would strike through, '$' start maths, and so on."""
    return _MD_SPECIAL.sub(r"\\\1", s)


def md_table(head: list[str], rows: list[list[object]], align: list[str] | None = None) -> str:
    """One GitHub Markdown table for st.markdown, every cell escaped (a | or * in a label stays text).
    `align` per column: "---" (default), ":---" or "---:"."""
    def cell(v: object) -> str:
        return md_escape(str(v)).replace("\n", " ")
    lines = ["| " + " | ".join(cell(c) for c in head) + " |", "|" + "|".join(align or ["---"] * len(head)) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


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


RESULT_STRIP_SUFFIX = "_result_strip"  # the one-line strip a phone keeps in view
RESULT_CARD_SUFFIX = "_result_card"   # ui/style.py colours the badge by the key and keeps it in view on a phone


def result_card_key(base: str, card: cards.ResultCard) -> str:
    """'toxicity_crs_severe_result_card': the container's key names the card's level (never user
    text), so the stylesheet colours the badge (red only for grades 3-4, grey for anything that
    is not a grade) and pins the card on a phone only once there is a result."""
    return f"{base}_{card.level}{RESULT_CARD_SUFFIX}"


def _card_actions(card: cards.ResultCard) -> str:
    """The actions as a short list: plain lines without a dose or condition share one bullet, each
    dose (mg and mL, route) stands on its own, bold unless conditional; a forbidden tocilizumab
    dose in red."""
    plain = [a for a in card.actions if a.dose_mg is None and a.group is None and not a.conditional]
    lines = [f"- {md_escape(' · '.join(a.text for a in plain))}"] if len(plain) > 1 else []
    for a in card.actions:
        if len(plain) > 1 and a in plain:
            continue
        if a.group_label is not None:
            lines.append(f"- {md_escape(a.group_label)}")
        indent = "    " if a.group is not None else ""
        said = md_escape(a.text)
        if a.action == "tocilizumab" and not a.allowed:
            said = f":red[{said}]"
        elif a.dose_mg is not None and not a.conditional:
            said = f"**{said}**"
        lines.append(f"{indent}- {said}")
    return "\n".join(lines)


def result_card(card: cards.ResultCard, base_key: str, *, strip: bool = True) -> None:
    """The answer first: the grade as a large badge coloured by its level, what set it, the actions
    (each dose in mg and mL with its route), the app's notes labelled as such, and the quotes one tap
    away. Everything comes from logic.cards; this only lays it out (one markdown block and the quotes)."""
    parts = [f"### {md_escape(card.label)}"]
    if card.drivers:
        parts.append(f"**{md_escape(t('cards.set_by.' + card.kind))}**: " + md_escape(" · ".join(card.drivers)))
    if card.missing_text:
        parts.append(f":gray[{md_escape(card.missing_text)}]")
    if card.context:
        parts.append(md_escape(card.context))
    if card.actions:
        parts.append(_card_actions(card))
    parts += [f":gray[:small[**{md_escape(t('cards.app_note'))}**: {md_escape(n)}]]" for n in card.notes]
    with st.container(border=True, key=result_card_key(base_key, card)):
        st.markdown("\n\n".join(parts))
        quote_cards(card.recommendation_ids)
    if strip:
        result_strip(card, base_key)


def result_strip(card: cards.ResultCard, base_key: str) -> None:
    """The card in one line, kept in view on a phone (ui/style.py; hidden on a wider screen): the full
    card would cover the inputs still to be tapped. Written at the page's level, not inside a column:
    a sticky element cannot leave its parent's box. result_card(..., strip=False) where the card
    stands in a column."""
    if card.level != "neutral":
        with st.container(border=True, key=f"{base_key}_{card.level}{RESULT_STRIP_SUFFIX}"):
            st.markdown(f"**{md_escape(card.headline())}**")


def disclaimer() -> None:
    st.caption(t("common.disclaimer"))



def share_link(url: str, *, label: str, key: str) -> None:
    """The link to share, written out as a code line: Streamlit's own copy button sits on it (44 px, and
    shown without a hover, which a touch screen has not, by ui/style.py's .st-key-share_*), and a
    long-press selects it on any phone. `key` starts with "share_"."""
    with st.container(key=key):
        st.caption(md_escape(label))
        st.code(url, language=None, wrap_lines=True)
