"""Every registered page renders in both languages with no exception (AppTest, no browser)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from logic.strings import LANGS
from ui import nav

ROOT = Path(__file__).resolve().parent.parent

TIMEOUT = 60  # a cold machine needs more than AppTest's default 3 s
SLUGS = [slug for slug, _ in nav.available()]


def run_page(slug: str, lang: str, **params: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.query_params["lang"] = lang
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    if slug != "home":
        at.switch_page(f"pages/{slug}.py")
        at.run()
    return at


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("slug", SLUGS)
def test_page_renders_without_exception(slug, lang):
    at = run_page(slug, lang)
    assert not at.exception, [e.value for e in at.exception]
    assert at.title, f"{slug} has no title"


def test_pages_registered_exist_and_include_home_and_library():
    # Every page, literally: a page dropped from nav would otherwise lose its flow and walk tests
    # silently (they are parametrised from nav).
    assert SLUGS == ["home", "toxicity", "cytopenia", "dosing", "eligibility", "relapse", "followup", "evidence",
                     "practice", "library"]
    assert sorted(SLUGS) == sorted(p.stem for p in (ROOT / "pages").glob("*.py"))


def test_language_comes_from_the_url_and_changes_the_strings():
    en = run_page("home", "en")
    zh = run_page("home", "zh")
    assert en.title[0].value != zh.title[0].value
    assert "多发性骨髓瘤" in zh.title[0].value


def test_library_rec_link_opens_that_recommendation():
    at = AppTest.from_file(str(ROOT / "pages" / "library.py"), default_timeout=TIMEOUT)
    at.query_params["rec"] = "tocilizumab_dosing"
    at.run()
    assert not at.exception
    shown = " ".join(m.value for m in at.markdown)
    assert "托珠单抗用法为8 mg/kg" in shown


def test_library_search_in_chinese_and_english():
    for q in ("托珠单抗", "tocilizumab"):
        at = AppTest.from_file(str(ROOT / "pages" / "library.py"), default_timeout=TIMEOUT)
        at.run()
        at.text_input(key="library_query").input(q).run()
        assert not at.exception
        shown = " ".join(m.value for m in at.markdown)
        assert "单次剂量不超过800 mg" in shown, q


def test_library_unknown_rec_warns_and_does_not_fail():
    at = AppTest.from_file(str(ROOT / "pages" / "library.py"), default_timeout=TIMEOUT)
    at.query_params["rec"] = "nope"
    at.run()
    assert not at.exception
    assert at.warning
