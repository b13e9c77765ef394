"""The footer on every page: app version, the content's source and date, the disclaimer
(review U15: a hospital needs to see what it is running and on what it rests)."""

from __future__ import annotations

from functools import lru_cache
from importlib import metadata
from pathlib import Path

import streamlit as st

from logic.content import source as source_record
from ui.i18n import lang, t

ROOT = Path(__file__).resolve().parent.parent


@lru_cache(maxsize=1)
def app_version() -> str:
    """The version in pyproject.toml (the installed metadata can lag an editable checkout)."""
    import tomllib

    try:
        return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    except (OSError, KeyError, ValueError):
        return metadata.version("cart-mm-assistant")


def footer() -> None:
    src = source_record()
    journal = src["journal_zh"] if lang() == "zh" else src["journal_en"]
    st.divider()
    st.caption(t("common.footer", version=app_version(), journal=journal, year=src["year"],
                 volume=src["volume"], issue=src["issue"]))
    st.caption(t("common.disclaimer"))
