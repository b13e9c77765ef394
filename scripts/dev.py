#!/usr/bin/env python3
"""Set up and run the app or the tests on a fresh machine that has only Python 3.11.

    python3 scripts/dev.py run    # create .venv, install, start the app on http://127.0.0.1:8501
    python3 scripts/dev.py test   # create .venv, install (and Debian's chromium and nginx if root), run every test
    python3 scripts/dev.py bench  # the benchmark (bench/), when present
    python3 scripts/dev.py bundle [--out DIR]   # dist/cart-mm-offline-<version>.tar.gz, for an air-gapped install
    python3 scripts/dev.py serve --replicas N [--port 8080] [--base cart-mm]   # N replicas behind nginx
    python3 scripts/dev.py mutate [crs icans ...]  # mutation testing; writes docs/QUALITY.md (slow: CI
                                  # does not run it; `mutate --smoke` runs one small module)
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
PY = VENV / "bin" / "python"
CHROMIUM = Path("/usr/bin/chromium")


def sh(*cmd: str | Path, check: bool = True, env: dict | None = None) -> int:
    print("+", " ".join(map(str, cmd)), flush=True)
    return subprocess.run([str(c) for c in cmd], cwd=ROOT, check=check, env=env).returncode


def ensure_venv(extras: str) -> None:
    if sys.version_info[:2] < (3, 11):  # noqa: UP036 - this script runs before the venv exists
        sys.exit(f"Python 3.11 or newer is needed; this is {sys.version.split()[0]}")
    if not PY.exists():
        venv.EnvBuilder(with_pip=True).create(VENV)
    stamp = VENV / f".installed-{extras or 'app'}"
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return
    sh(PY, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    target = f".[{extras}]" if extras else "."
    sh(PY, "-m", "pip", "install", "--quiet", "-e", target)
    stamp.write_text(digest)


def ensure_chromium() -> None:
    if CHROMIUM.exists():
        return
    if os.geteuid() == 0 and shutil.which("apt-get"):
        sh("apt-get", "update", "-q")
        sh("apt-get", "install", "-y", "-q", "--no-install-recommends", "chromium")
    else:
        print("Debian's chromium is missing and this user cannot install it: browser tests will fail "
              "(set CART_SKIP_BROWSER_TESTS=1 to skip them on purpose). Install it with: "
              "sudo apt-get install chromium", flush=True)


def ensure_nginx() -> None:
    """Debian's nginx for the reverse-proxy browser test (tests/test_deploy_proxy_browser.py)."""
    if shutil.which("nginx") or Path("/usr/sbin/nginx").exists():
        return
    if os.geteuid() == 0 and shutil.which("apt-get"):
        sh("apt-get", "update", "-q")
        sh("apt-get", "install", "-y", "-q", "--no-install-recommends", "nginx")
    else:
        print("Debian's nginx is missing and this user cannot install it: the proxy test will skip "
              "(it fails under CI=true). Install it with: sudo apt-get install nginx", flush=True)


def run() -> int:
    ensure_venv("")
    return sh(PY, "-m", "streamlit", "run", "app.py", check=False)


def test(extra: list[str]) -> int:
    ensure_venv("test")
    ensure_chromium()
    ensure_nginx()
    if sh(PY, "-m", "ruff", "check", ".", check=False):
        return 1
    return sh(PY, "-m", "pytest", *extra, check=False)


def bench(extra: list[str]) -> int:
    ensure_venv("test")
    ensure_chromium()
    return sh(PY, "bench/run.py", *extra, check=False)


def bundle(extra: list[str]) -> int:
    """The offline bundle (deploy/bundle.py): the app and every wheel for Linux x86_64, CPython 3.11.
    Uses the venv it runs in, else .venv."""
    if sys.prefix == sys.base_prefix:
        ensure_venv("")
        python = PY
    else:
        python = Path(sys.executable)
    return sh(python, "deploy/bundle.py", *extra, check=False)


def serve(extra: list[str]) -> int:
    """N Streamlit replicas on consecutive loopback ports behind nginx (deploy/serve.py)."""
    ensure_venv("")
    ensure_nginx()
    return sh(PY, "deploy/serve.py", *extra, check=False)


# --- mutation testing (mutmut 3) -----------------------------------------------------------

# Paths under logic/ without ".py": a module in a package is named with its folder ("assistant/findings").
MUTATE_MODULES = ("crs", "icans", "dosing", "eligibility", "relapse", "followup", "plans", "assistant/findings")
SMOKE_MODULE = "relapse"
MUTATE_DIR = ROOT / "build" / "mutation"
MUTATE_COPY = ("logic", "content", "tests", "ui", "pages", "app.py", ".streamlit", "pyproject.toml")
EQUIVALENT = ROOT / "tests" / "mutation_equivalent.yaml"
QUALITY = ROOT / "docs" / "QUALITY.md"
SURVIVORS_DIR = ROOT / "docs" / "mutation"


def _undecorate(source: str) -> str:
    """`@validate_call def f(...)` -> `def f(...)` then `f = validate_call(f)`: the same function,
    in a form mutmut 3 mutates (it skips decorated functions). Only module-level functions whose
    decorators are all validate_call are rewritten; lru_cache'd ones stay as they are (a cache
    warmed before the fork would hide a mutant)."""
    import ast

    lines = source.splitlines(keepends=True)
    edits: list[tuple[int, int, str]] = []  # (first line, last line) replaced by text, 0-based
    for node in ast.parse(source).body:
        if not isinstance(node, ast.FunctionDef) or not node.decorator_list:
            continue
        decos = [ast.get_source_segment(source, d) or "" for d in node.decorator_list]
        if not all(d.split("(")[0] == "validate_call" for d in decos):
            continue
        first = node.decorator_list[0].lineno - 1
        wrap = node.name
        for d in reversed(decos):
            wrap = f"{d}({wrap})"
        edits.append((first, node.lineno - 2, ""))
        edits.append((node.end_lineno, node.end_lineno - 1, f"{node.name} = {wrap}\n"))
    for first, last, text in sorted(edits, reverse=True):
        lines[first:last + 1] = [text] if text else []
    return "".join(lines)


def _stage(modules: tuple[str, ...]) -> None:
    """A copy of the project for mutmut: the chosen modules undecorated, only_mutate narrowed."""
    import re

    MUTATE_DIR.mkdir(parents=True, exist_ok=True)
    for name in MUTATE_COPY:
        src, dst = ROOT / name, MUTATE_DIR / name
        if src.is_dir():
            shutil.copytree(src, dst, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(src, dst)
    for m in MUTATE_MODULES:
        # Rewritten only when the source changed: a new mtime makes mutmut generate every mutant again.
        src, path = ROOT / "logic" / f"{m}.py", MUTATE_DIR / "logic" / f"{m}.py"
        staged = path.with_suffix(".staged")
        text = _undecorate(src.read_text(encoding="utf-8"))
        if not staged.exists() or staged.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            staged.write_text(text, encoding="utf-8")
        else:
            shutil.copy2(staged, path)
    for m in modules:
        # A run over other modules leaves this one as a plain copy in mutants/, which mutmut then takes
        # as up to date ("unmodified"): its named mutants would find no tests. Make it generate again.
        mutated = MUTATE_DIR / "mutants" / "logic" / f"{m}.py"
        if mutated.exists() and "mutmut" not in mutated.read_text(encoding="utf-8"):
            mutated.unlink()
    toml = MUTATE_DIR / "pyproject.toml"
    only = ", ".join(f'"logic/{m}.py"' for m in modules)
    text = re.sub(r"only_mutate = \[[^\]]*\]", f"only_mutate = [{only}]", toml.read_text(encoding="utf-8"))
    toml.write_text(text, encoding="utf-8")


def _mutant_results() -> dict[str, dict[str, int | None]]:
    """module ("crs", "assistant/findings") -> {mutant name: exit code} from mutmut's own records."""
    import json

    out = {}
    logic = MUTATE_DIR / "mutants" / "logic"
    for meta in sorted(logic.rglob("*.py.meta")):
        module = meta.relative_to(logic).as_posix().removesuffix(".py.meta")
        out[module] = json.loads(meta.read_text())["exit_code_by_key"]
    return out


def _mutant_diff(name: str, sources: dict[str, dict[str, str]]) -> list[str]:
    """The lines a mutant changes, from mutmut's mutants/ copy (quicker than `mutmut show`).

    The functions are found with ast, at the top level and in class bodies only: a split of the text at
    every indented `def` cut a function at its first nested function (extract's `def add`), and every
    diff of such a function came out empty.
    """
    import difflib

    module = "/".join(name.split(".")[1:-1])  # logic.assistant.findings.x_f__mutmut_3 -> assistant/findings
    if module not in sources:
        sources[module] = _function_sources((MUTATE_DIR / "mutants" / "logic" / f"{module}.py").read_text(encoding="utf-8"))
    func = name.split(".")[-1]
    orig = sources[module].get(func.rsplit("__mutmut_", 1)[0] + "__mutmut_orig", "").splitlines()
    mutant = sources[module].get(func, "").splitlines()
    return [line for line in difflib.unified_diff(orig, mutant, lineterm="", n=0)
            if line[:1] in "+-" and not line.startswith(("+++", "---")) and not line[1:].lstrip().startswith("def ")]


def _function_sources(text: str) -> dict[str, str]:
    """name -> source of each function defined at the top level or in a class body (not nested ones)."""
    import ast

    lines = text.splitlines()
    out: dict[str, str] = {}
    tree = ast.parse(text)
    for node in tree.body:
        for f in (node.body if isinstance(node, ast.ClassDef) else [node]):
            if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef)):
                out[f.name] = "\n".join(lines[f.lineno - 1:f.end_lineno])
    return out


RESULTS_MARKER = "<!-- results -->"
TABLE_HEAD = "| module | mutants | checked | killed | equivalent | survived | score |"
RUN_LINE = "Last `dev.py mutate` run:"


def _merge_results(text: str, rows: list[str], run_line: str) -> str:
    """`text` (docs/QUALITY.md) with `rows` merged into the results table after RESULTS_MARKER: a
    module's row replaces the row of the same module, in place; rows of modules not run are kept;
    a module without a row is added at the end. Everything outside the table stays as it is, but the
    line starting with RUN_LINE (added right after the marker when missing) becomes `run_line`."""
    if RESULTS_MARKER not in text:
        text = text.rstrip() + f"\n\n{RESULTS_MARKER}\n"
    head, _, tail = text.partition(RESULTS_MARKER)
    lines = tail.split("\n")
    first = next((i for i, line in enumerate(lines) if line.startswith(TABLE_HEAD)), None)
    if first is None:  # no table yet: the run line and a table after the marker
        lines[1:1] = [run_line, "", TABLE_HEAD, "|---|---|---|---|---|---|---|", ""]
        first = 3
    last = first + 2  # after the header and its separator
    while last < len(lines) and lines[last].startswith("|"):
        last += 1

    def key(row: str) -> str:
        return row.split("|")[1].strip()

    table = lines[first + 2:last]
    by_module = {key(r): r for r in rows}
    merged = [by_module.pop(key(r), r) for r in table]
    merged += [r for r in rows if key(r) in by_module]
    lines[first + 2:last] = merged
    run_at = next((i for i in range(first) if lines[i].startswith(RUN_LINE)), None)
    if run_at is None:
        lines.insert(1, run_line)
    else:
        lines[run_at] = run_line
    return head + RESULTS_MARKER + "\n".join(lines)


def _write_quality(modules: tuple[str, ...]) -> dict[str, float]:
    """docs/QUALITY.md: this run's rows merged into the results table (rows of other modules kept);
    docs/mutation/<module>-survivors.md: every surviving mutant of each module run, with its diff
    or the reason it is equivalent (tests/mutation_equivalent.yaml)."""
    import yaml

    equivalent = yaml.safe_load(EQUIVALENT.read_text(encoding="utf-8")) if EQUIVALENT.exists() else {}
    equivalent = equivalent or {}
    killed_codes = {1, 3, 36, 24, -24, 152, 255, 37}  # killed, pytest error, timeout, type check
    rows, scores = [], {}
    sources: dict[str, dict[str, str]] = {}
    from datetime import UTC, datetime

    now = datetime.now(UTC)
    for module, results in _mutant_results().items():
        if module not in modules:
            continue
        checked = {k: v for k, v in results.items() if v is not None}
        killed = [k for k, v in checked.items() if v in killed_codes]
        survived = sorted(k for k in checked if k not in killed)
        explained = [k for k in survived if k in equivalent]
        scored = len(checked) - len(explained)
        score = 100.0 * len(killed) / scored if scored else 0.0
        scores[module] = score
        shown = f"{score:.1f}%" if checked else "not run"
        rows.append(f"| logic/{module}.py | {len(results)} | {len(checked)} | {len(killed)} | "
                    f"{len(explained)} | {len(survived) - len(explained)} | {shown} |")
        details = []
        for k in survived:
            if k in equivalent:
                details.append(f"- `{k}`: equivalent: {equivalent[k]}")
            else:
                body = "\n".join(_mutant_diff(k, sources))
                details.append(f"- `{k}`: survived\n\n  ```diff\n" + "\n".join(f"  {x}" for x in body.splitlines())
                               + "\n  ```")
        SURVIVORS_DIR.mkdir(parents=True, exist_ok=True)
        (SURVIVORS_DIR / f"{module.replace('/', '-')}-survivors.md").write_text(
            f"# Surviving mutants of logic/{module}.py\n\n`dev.py mutate` run of {now:%Y-%m-%d %H:%M} UTC "
            f"(mutmut 3).\n\n" + ("\n".join(details) or "None.") + "\n", encoding="utf-8")
    text = QUALITY.read_text(encoding="utf-8") if QUALITY.exists() else "# Test quality\n"
    run_line = (f"{RUN_LINE} {now:%Y-%m-%d %H:%M} UTC, mutmut 3, modules: {', '.join(modules)} "
                "(their survivors: docs/mutation/<module>-survivors.md).")
    QUALITY.write_text(_merge_results(text, rows, run_line), encoding="utf-8")
    return scores


def mutate(extra: list[str]) -> int:
    """Mutation testing of the clinical modules against the logic and content tests (mutmut 3).
    Slow (tens of minutes per module on 2 cores): CI does not run it; `--smoke` runs one small
    module. One worker, under nice, unless --workers N. Writes docs/QUALITY.md."""
    import importlib.util

    py = Path(sys.executable) if importlib.util.find_spec("mutmut") else PY  # an activated venv with mutmut
    if py == PY:
        ensure_venv("test,mutate")
    workers = "1"
    if "--workers" in extra:
        i = extra.index("--workers")
        workers = extra[i + 1]
        del extra[i:i + 2]
    smoke = "--smoke" in extra
    names = [a for a in extra if a != "--smoke"]
    modules = (SMOKE_MODULE,) if smoke else tuple(a for a in names if a in MUTATE_MODULES) or MUTATE_MODULES
    mutant_names = [a for a in names if a not in MUTATE_MODULES]  # e.g. logic.crs.x_assess_crs__mutmut_3
    if mutant_names and not smoke:  # the modules of the named mutants: logic.assistant.findings.x_f__mutmut_3
        modules = tuple(dict.fromkeys("/".join(n.split(".")[1:-1]) for n in mutant_names))
    _stage(modules)
    nice = ["nice", "-n", "10"] if shutil.which("nice") else []
    code = subprocess.run([*nice, str(py), "-m", "mutmut", "run", "--max-children", workers, *mutant_names],
                          cwd=MUTATE_DIR, check=False).returncode
    scores = _write_quality(modules)
    for module, score in scores.items():
        print(f"logic/{module}.py: {score:.1f}%")
    if not scores or code:
        print("mutmut did not finish (see its output above); docs/QUALITY.md shows what was checked")
    if code:
        return code
    return 1 if smoke and any(s < 90 for s in scores.values()) else 0


COMMANDS = {"run", "test", "bench", "bundle", "serve", "mutate"}


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        print(__doc__)
        return 2
    cmd, extra = sys.argv[1], sys.argv[2:]
    return {"run": lambda: run(), "test": lambda: test(extra), "bench": lambda: bench(extra),
            "bundle": lambda: bundle(extra), "serve": lambda: serve(extra),
            "mutate": lambda: mutate(extra)}[cmd]()


if __name__ == "__main__":
    sys.exit(main())
