"""The mutation run's test selection behaves under mutmut's runner, which collects the tests in one
process and runs them again in it (docs/QUALITY.md).

Found 2026-12-03: a parametrize `ids=[...]` list of non-ASCII ids is escaped by pytest in place, so the
second collection escaped the Chinese ids twice, the runner's test names were "not found", and every
mutant of the free-text reader counted as killed (a score of 100% that meant nothing)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


class _Ids:
    def __init__(self) -> None:
        self.ids: list[str] = []

    def pytest_collection_modifyitems(self, items) -> None:
        self.ids = [item.nodeid for item in items]


def test_the_selection_collects_the_same_test_ids_twice_in_one_process(monkeypatch):
    selection = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mutmut"][
        "pytest_add_cli_args_test_selection"]
    monkeypatch.chdir(ROOT)
    runs = []
    for _ in range(2):
        ids = _Ids()
        code = pytest.main(["--collect-only", "-qqq", "-p", "no:cacheprovider", *selection], plugins=[ids])
        assert code == 0
        runs.append(ids.ids)
    assert len(runs[0]) > 2000
    assert [a for a, b in zip(*runs, strict=True) if a != b] == []
