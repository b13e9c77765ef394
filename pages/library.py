"""Library: search the consensus, read it whole, open one recommendation by ?rec=<id>."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from logic import content
from ui.components import md_escape, quote_card, quote_cards
from ui.i18n import lang, t

MAX_HITS = 25


def _table_frame(table_id: str) -> pd.DataFrame:
    rows = content.document().rows(table_id)
    header = [t("library.col_row"), *rows[0].header]
    return pd.DataFrame([(r.id, *r.cells) for r in rows], columns=header)


st.title(t("library.title"))
st.caption(t("library.intro"))
with st.expander(t("library.attribution_heading"), icon=":material/copyright:"):
    # the source as cited, then the journal's copyright notice and the writing group, as printed (A1-A4)
    _src = content.source()
    _doc = content.document()
    st.markdown(md_escape(t("home.source_text_zh", **_src)) + "\n\n" + md_escape(t("home.source_text", **_src)))
    st.caption(t("home.attribution") + " " + " ".join(_doc.block(b).text for b in ("A1", "A2", "A3"))
               + "\n\n" + _doc.block(_src["writers_block"]).text)

rec_id = st.query_params.get("rec")
if rec_id:
    try:
        content.recommendation(rec_id)
    except KeyError:
        st.warning(t("library.unknown_rec", rec=rec_id))
    else:
        st.subheader(t("library.linked_heading"))
        quote_card(rec_id, link=False, collapsed=False)  # the reading page: quotes open

if "library_query" not in st.session_state and st.query_params.get("q"):
    st.session_state["library_query"] = st.query_params.get("q", "")[:200]

# The document tab is built only when open (on_change="rerun"): it is 120-odd elements, and a
# first render should not pay for a tab nobody opened (docs/PERFORMANCE.md). The search tab,
# which holds the inputs, is always built so its values are never cleaned up.
tab_search, tab_doc = st.tabs([t("library.tab_search"), t("library.tab_document")],
                              key=f"library_tabs_{lang()}", on_change="rerun")

with tab_search:
    query = st.text_input(t("library.search_label"), placeholder=t("library.search_placeholder"),
                          key="library_query", max_chars=200)
    topic_options = ["", *content.TOPICS]
    topic = st.selectbox(t("library.topic_label"), topic_options, key="library_topic",
                         format_func=lambda k: t("common.topics." + k) if k else t("library.all_topics"))
    if query.strip():
        hits = content.search(query, topic=topic or None)
    elif topic:
        hits = [r for r in content.recommendations() if r.topic == topic]
    else:
        hits = []
    if query.strip() or topic:
        if hits:
            st.caption(t("library.hits", n=len(hits)))
        else:
            st.info(t("library.no_hits", query=query))
        quote_cards([rec.id for rec in hits[:MAX_HITS]], collapsed=False)
        if len(hits) > MAX_HITS:
            st.caption(t("library.showing_first", n=MAX_HITS))

def _document_tab() -> None:
    """The cleaned consensus, block by block, then the list of fixes."""
    st.caption(t("library.document_note"))
    seen_tables: set[str] = set()
    for block in content.document().blocks:
        if block.kind == "row":
            table_id = block.id.split(".")[0]
            if table_id not in seen_tables:
                seen_tables.add(table_id)
                st.dataframe(_table_frame(table_id), hide_index=True, width="stretch")
            continue
        # The id and its text in one element (one element per block keeps the tab light).
        if block.kind == "table":
            st.markdown(f"###### {block.id}\n\n**{md_escape(block.text)}**")
        elif block.kind in ("attribution", "table_note"):
            st.markdown(f"###### {block.id}\n\n:gray[:small[{md_escape(block.text)}]]")
        else:
            st.markdown(f"###### {block.id}\n\n{md_escape(block.text)}")
    st.subheader(t("library.fixes_heading"))
    for fix in content.fixes():
        with st.container(border=True):
            zh = lang() == "zh"
            st.markdown(f"**{fix['id']}** · {md_escape(fix['where_zh'] if zh else fix['where'])}")
            st.markdown(f"{t('library.fix_printed')}: `{fix['printed']}`")
            st.markdown(f"{t('library.fix_now')}: `{fix['now']}`")
            st.markdown(f"{t('library.fix_why')}: {md_escape(fix['why_zh'] if zh else fix['why'])}")


if tab_doc.open:
    with tab_doc:
        _document_tab()
