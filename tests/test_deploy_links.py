"""Links a page writes by hand (markdown) carry the server's base path when it has one."""

from __future__ import annotations

import pytest
from streamlit import config

from ui.nav import href


@pytest.fixture
def base_path():
    before = config.get_option("server.baseUrlPath")

    def _set(value: str) -> None:
        config.set_option("server.baseUrlPath", value)

    yield _set
    config.set_option("server.baseUrlPath", before)


@pytest.mark.parametrize("base", ["cart-mm", "/cart-mm", "cart-mm/", "/cart-mm/"])
def test_under_a_base_path(base_path, base):
    base_path(base)
    assert href("/library?rec=ivig_replacement&lang=en") == "/cart-mm/library?rec=ivig_replacement&lang=en"
    assert href("/practice?case=3&lang=zh") == "/cart-mm/practice?case=3&lang=zh"


def test_at_the_root(base_path):
    base_path("")
    assert href("/library?rec=ivig_replacement&lang=en") == "/library?rec=ivig_replacement&lang=en"
