"""Static privacy and security checks over the code that renders pages."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RENDERING = [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py")), *sorted((ROOT / "ui").glob("*.py"))]
LOGGING_NAMES = {"logging", "logger", "print"}


def _calls(path: Path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            yield node


def _is_constant_text(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def test_no_raw_html_carries_anything_but_constant_text():
    # User text must never reach unsafe_allow_html or raw HTML: only literal strings may.
    offenders = []
    for path in RENDERING:
        for call in _calls(path):
            name = getattr(call.func, "attr", None) or getattr(call.func, "id", None)
            unsafe = any(kw.arg == "unsafe_allow_html" and getattr(kw.value, "value", False) is True
                         for kw in call.keywords)
            if (unsafe or name == "html") and not (call.args and _is_constant_text(call.args[0])):
                offenders.append(f"{path.name}:{call.lineno}")
    assert not offenders, offenders


def test_pages_do_not_write_files_or_log():
    offenders = []
    for path in RENDERING:
        text = path.read_text(encoding="utf-8")
        for needle in ("open(", ".write_text(", ".write_bytes(", "to_csv(\"", "logging.", "print("):
            if needle in text:
                offenders.append(f"{path.name}: {needle}")
    assert not offenders, offenders
