"""Privacy and security settings that must never regress."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONFIG = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))


def test_usage_statistics_are_off():
    assert CONFIG["browser"]["gatherUsageStats"] is False


def test_xsrf_protection_is_on():
    assert CONFIG["server"]["enableXsrfProtection"] is True


def test_server_address_is_not_a_wildcard():
    # With a wildcard address a headless Streamlit looks up its external IP on the internet.
    assert CONFIG["server"]["address"] not in {"", "0.0.0.0", "::"}


def test_logic_never_imports_streamlit():
    for path in (ROOT / "logic").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "import streamlit" not in text and "from streamlit" not in text, path
