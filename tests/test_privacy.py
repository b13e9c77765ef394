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
    # Patient data must never reach the disk or a log: no open(), no write_*(), no to_csv/
    # to_json/to_excel with a path, no print and no logging in the code that renders pages.
    writers = {"write_text", "write_bytes", "to_excel", "to_parquet"}
    path_writers = {"to_csv", "to_json", "to_html"}
    offenders = []
    for path in RENDERING:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [a.name for a in node.names] + [getattr(node, "module", None) or ""]
                if any(n.split(".")[0] == "logging" for n in names):
                    offenders.append(f"{path.name}:{node.lineno} imports logging")
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            if isinstance(func, ast.Name) and func.id in {"open", "print"}:
                offenders.append(f"{path.name}:{node.lineno} {func.id}()")
            if isinstance(func, ast.Attribute):
                if func.attr in writers:
                    offenders.append(f"{path.name}:{node.lineno} .{func.attr}()")
                first = node.args[0] if node.args else None
                to_path = (_is_constant_text(first) if first is not None else False) or (
                    isinstance(first, ast.Call) and getattr(first.func, "id", "") == "Path")
                if func.attr in path_writers and (to_path or any(k.arg == "path_or_buf" for k in node.keywords)):
                    offenders.append(f"{path.name}:{node.lineno} .{func.attr}(path)")
    assert not offenders, offenders
