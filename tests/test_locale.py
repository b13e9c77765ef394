"""The default language from the browser's locale (issue 15, review U15)."""

import pytest

from ui.i18n import language_from_locale


@pytest.mark.parametrize(("locale", "lang"), [
    ("zh-CN", "zh"), ("zh-TW", "zh"), ("zh-Hant-HK", "zh"), ("zh", "zh"), ("ZH_cn", "zh"),
    ("en-US", "en"), ("en", "en"), ("fr-FR", "en"), ("", "en"), (None, "en"),
])
def test_language_from_locale(locale, lang):
    assert language_from_locale(locale) == lang


def test_the_stylesheet_sets_the_44px_minimum_it_is_measured_against():
    from pathlib import Path

    from ui.style import MIN_TARGET_PX

    css = (Path(__file__).resolve().parent.parent / "ui" / "style.py").read_text(encoding="utf-8")
    assert f"min-height: {MIN_TARGET_PX}px" in css and "44px" in css
