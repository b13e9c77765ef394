#!/usr/bin/env python3
"""Set up and run the app or the tests on a fresh machine that has only Python 3.11.

    python3 scripts/dev.py run    # create .venv, install, start the app on http://127.0.0.1:8501
    python3 scripts/dev.py test   # create .venv, install (and Debian's chromium and nginx if root), run every test
    python3 scripts/dev.py bench  # the benchmark (bench/), when present
    python3 scripts/dev.py bundle [--out DIR]   # dist/cart-mm-offline-<version>.tar.gz, for an air-gapped install
    python3 scripts/dev.py serve --replicas N [--port 8080] [--base cart-mm]   # N replicas behind nginx
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
        print("Debian's chromium is missing and this user cannot install it: browser tests will "
              "skip (they fail under CI=true). Install it with: sudo apt-get install chromium", flush=True)


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


COMMANDS = {"run", "test", "bench", "bundle", "serve"}


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        print(__doc__)
        return 2
    cmd, extra = sys.argv[1], sys.argv[2:]
    return {"run": lambda: run(), "test": lambda: test(extra), "bench": lambda: bench(extra),
            "bundle": lambda: bundle(extra), "serve": lambda: serve(extra)}[cmd]()


if __name__ == "__main__":
    sys.exit(main())
