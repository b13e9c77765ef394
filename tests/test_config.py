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


def _displayable_bare_expressions(path: Path) -> list[str]:
    """Statements that Streamlit's "magic" would have shown: bare expressions other than calls
    and docstrings (a docstring is the first statement of a module, class or function)."""
    import ast

    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(body[0]) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                  and (body := node.body) and isinstance(body[0], ast.Expr)
                  and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str)}
    return [f"{path.name}:{node.lineno} {ast.unparse(node)[:40]}" for node in ast.walk(tree)
            if isinstance(node, ast.Expr) and id(node) not in docstrings
            and not isinstance(node.value, (ast.Call, ast.Await, ast.Yield, ast.YieldFrom))]


def test_magic_is_off_and_no_page_relies_on_it():
    # Off for speed (docs/PERFORMANCE.md); a bare expression would then silently show nothing.
    assert CONFIG["runner"]["magicEnabled"] is False
    scripts = [ROOT / "app.py", *(ROOT / "pages").glob("*.py"), *(ROOT / "ui").glob("*.py")]
    assert [bad for path in scripts for bad in _displayable_bare_expressions(path)] == []


def test_a_bare_expression_is_caught(tmp_path):
    script = tmp_path / "page.py"
    script.write_text('"""Doc."""\nimport streamlit as st\n"**shown by magic only**"\nst.write("ok")\n')
    assert _displayable_bare_expressions(script) == ["page.py:3 '**shown by magic only**'"]
