"""scripts/dev.py mutate: a run over some modules merges its rows into docs/QUALITY.md's results
table; the rows of modules not run and the text around the table stay as they are."""

from __future__ import annotations

import importlib.util
from pathlib import Path

_SPEC = importlib.util.spec_from_file_location("dev", Path(__file__).resolve().parent.parent / "scripts" / "dev.py")
dev = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(dev)

BEFORE = """# Test quality

Prose before the marker.

<!-- results -->
Last runs: written by hand.

| module | mutants | checked | killed | equivalent | survived | score |
|---|---|---|---|---|---|---|
| logic/crs.py | 346 | 346 | 344 | 2 | 0 | 100.0% |
| logic/dosing.py | 1296 | 1296 | 1254 | 32 | 10 | 99.2% |
| logic/assistant/findings.py | 2257 | 2257 | 1510 | 0 | 747 | **66.9%** (below 90%: see below) |

### A section after the table

Kept.
"""

RUN = "Last `dev.py mutate` run: 2026-12-03 10:00 UTC, mutmut 3, modules: dosing, relapse (their survivors: ...)."


def test_a_run_over_some_modules_replaces_their_rows_in_place_and_keeps_the_others():
    rows = ["| logic/dosing.py | 1296 | 1296 | 1270 | 26 | 0 | 100.0% |",
            "| logic/relapse.py | 455 | 455 | 452 | 3 | 0 | 100.0% |"]
    assert dev._merge_results(BEFORE, rows, RUN) == """# Test quality

Prose before the marker.

<!-- results -->
Last `dev.py mutate` run: 2026-12-03 10:00 UTC, mutmut 3, modules: dosing, relapse (their survivors: ...).
Last runs: written by hand.

| module | mutants | checked | killed | equivalent | survived | score |
|---|---|---|---|---|---|---|
| logic/crs.py | 346 | 346 | 344 | 2 | 0 | 100.0% |
| logic/dosing.py | 1296 | 1296 | 1270 | 26 | 0 | 100.0% |
| logic/assistant/findings.py | 2257 | 2257 | 1510 | 0 | 747 | **66.9%** (below 90%: see below) |
| logic/relapse.py | 455 | 455 | 452 | 3 | 0 | 100.0% |

### A section after the table

Kept.
"""


def test_a_second_run_replaces_the_run_line_and_its_row_again():
    once = dev._merge_results(BEFORE, ["| logic/crs.py | 346 | 346 | 346 | 0 | 0 | 100.0% |"], RUN)
    twice = dev._merge_results(once, ["| logic/crs.py | 346 | 346 | 345 | 0 | 1 | 99.7% |"], "Last `dev.py mutate` run: 2.")
    assert twice.count("Last `dev.py mutate` run:") == 1 and "Last `dev.py mutate` run: 2." in twice
    assert twice.count("| logic/crs.py |") == 1 and "| logic/crs.py | 346 | 346 | 345 | 0 | 1 | 99.7% |" in twice
    assert "| logic/dosing.py | 1296 | 1296 | 1254 | 32 | 10 | 99.2% |" in twice


def test_without_a_results_table_one_is_added_after_the_marker():
    assert dev._merge_results("# Test quality\n", ["| logic/crs.py | 1 | 1 | 1 | 0 | 0 | 100.0% |"], RUN) == (
        "# Test quality\n\n<!-- results -->\n" + RUN + "\n\n"
        "| module | mutants | checked | killed | equivalent | survived | score |\n|---|---|---|---|---|---|---|\n"
        "| logic/crs.py | 1 | 1 | 1 | 0 | 0 | 100.0% |\n\n")


STAGED = '''def x_f__mutmut_orig(s):
    def add(k):
        return k
    if s == 1:
        return add(1)
    return 0


def x_f__mutmut_1(s):
    def add(k):
        return k
    if s != 1:
        return add(1)
    return 0


class C:
    def xǁCǁg__mutmut_orig(self):
        return 1

    def xǁCǁg__mutmut_1(self):
        return 2
'''


def test_a_mutant_diff_covers_the_lines_after_a_nested_function(tmp_path, monkeypatch):
    # the old split at every indented "def" cut x_f at its nested "def add": every diff of extract was empty
    (tmp_path / "mutants" / "logic").mkdir(parents=True)
    (tmp_path / "mutants" / "logic" / "m.py").write_text(STAGED, encoding="utf-8")
    monkeypatch.setattr(dev, "MUTATE_DIR", tmp_path)
    src: dict = {}
    assert dev._mutant_diff("logic.m.x_f__mutmut_1", src) == ["-    if s == 1:", "+    if s != 1:"]
    assert dev._mutant_diff("logic.m.xǁCǁg__mutmut_1", src) == ["-        return 1", "+        return 2"]
