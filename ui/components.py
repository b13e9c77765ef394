"""Rendering helpers: quote cards, notes, markdown escaping."""

from __future__ import annotations

import re

import streamlit as st

from logic import content
from ui.i18n import lang, t

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|~$])")


def md_escape(s: str) -> str:
    """Escape text for st.markdown: '~' would strike through, '$' start maths, and so on."""
    return _MD_SPECIAL.sub(r"\\\1", s)


def library_link(rec_id: str) -> str:
    return f"/library?rec={rec_id}&lang={lang()}"


def quote_card(rec_id: str, *, show_notes: bool = True, link: bool = True) -> None:
    """The Chinese original, our English beneath (labelled as ours), then the app's notes."""
    rec = content.recommendation(rec_id)
    with st.container(border=True):
        st.caption(f"{t('common.quote_label')} · {rec.source} · {t('common.topics.' + rec.topic)}")
        st.markdown(f"> {md_escape(rec.quote_zh)}")
        st.caption(t("common.our_english"))
        st.markdown(md_escape(rec.text_en))
        if show_notes:
            for note in rec.notes:
                note_text = note.zh if lang() == "zh" else note.en
                st.info(f"**{t('common.app_note')}**: {md_escape(note_text)}\n\n"
                        f"_{md_escape(t('common.note_basis', basis=note.basis))}_", icon=":material/info:")
        if link:
            st.markdown(f"[{t('common.open_in_library')} →]({library_link(rec_id)})")


def quote_cards(rec_ids: list[str], **kwargs: bool) -> None:
    seen: set[str] = set()
    for rec_id in rec_ids:
        if rec_id not in seen:
            seen.add(rec_id)
            quote_card(rec_id, **kwargs)


def disclaimer() -> None:
    st.caption(t("common.disclaimer"))
