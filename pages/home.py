"""Home: what the app is for, its source, the disclaimer and large entries to each tool."""

from __future__ import annotations

from functools import lru_cache
from types import MappingProxyType

import streamlit as st
import yaml

from logic import content
from ui import nav
from ui.components import disclaimer, md_escape
from ui.i18n import lang, t


@lru_cache(maxsize=1)
def _source() -> MappingProxyType:
    return MappingProxyType(yaml.safe_load((content.CONTENT_DIR / "source.yaml").read_text(encoding="utf-8")))


st.title(t("home.title"))
st.write(t("home.subtitle"))
disclaimer()

st.subheader(t("home.tools"))
for slug, icon in nav.available():
    if slug == "home":
        continue
    with st.container(border=True):
        st.page_link(f"pages/{slug}.py", label=f"**{t('nav.' + slug)}**", icon=icon, use_container_width=True,
                     query_params={"lang": lang()})
        st.caption(t(f"nav.blurb.{slug}"))

src = _source()
st.subheader(t("home.source_heading"))
st.markdown(md_escape(t("home.source_text_zh", **src)))
st.markdown(md_escape(t("home.source_text", **src)))
doc = content.document()
st.caption(t("home.attribution") + " " + " ".join(doc.block(b).text for b in ("A1", "A2", "A3")))
st.caption(doc.block(src["writers_block"]).text)

st.subheader(t("home.about_heading"))
st.write(t("home.about_text"))
