"""Rendering helpers: quote cards, notes, markdown escaping."""

from __future__ import annotations

import re

import streamlit as st

from logic import content
from ui.i18n import lang, t
from ui.nav import href

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|~$])")


def md_escape(s: str) -> str:
    """Escape text for st.markdown: '~' would strike through, '$' start maths, and so on."""
    return _MD_SPECIAL.sub(r"\\\1", s)


def library_link(rec_id: str) -> str:
    return href(f"/library?rec={rec_id}&lang={lang()}")


def quote_card(rec_id: str, *, show_notes: bool = True, link: bool = True) -> None:
    """The Chinese original, our English beneath (labelled as ours), then the app's notes."""
    rec = content.recommendation(rec_id)
    # One markdown element for the card's text (not five): a page shows dozens of cards, and
    # each element costs the browser render time (bench/, docs/PERFORMANCE.md).
    parts = [f":gray[:small[{md_escape(t('common.quote_label'))} · {rec.source} · "
             f"{md_escape(t('common.topics.' + rec.topic))}]]",
             f"> {md_escape(rec.quote_zh)}",
             f":gray[:small[{md_escape(t('common.our_english'))}]]",
             md_escape(rec.text_en)]
    if link:
        parts.append(f"[{t('common.open_in_library')} →]({library_link(rec_id)})")
    with st.container(border=True):
        st.markdown("\n\n".join(parts))
        if show_notes:
            # The app's notes stay apart from the quote, in their own labelled box.
            for note in rec.notes:
                st.info(f"**{t('common.app_note')}**: {md_escape(note.text_in(lang()))}\n\n"
                        f"_{md_escape(t('common.note_basis', basis=note.basis_in(lang())))}_", icon=":material/info:")


def quote_cards(rec_ids: list[str], **kwargs: bool) -> None:
    seen: set[str] = set()
    for rec_id in rec_ids:
        if rec_id not in seen:
            seen.add(rec_id)
            quote_card(rec_id, **kwargs)


def disclaimer() -> None:
    st.caption(t("common.disclaimer"))
