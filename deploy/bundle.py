"""Build dist/cart-mm-offline-<version>.tar.gz: the app and every wheel it needs for Linux x86_64,
CPython 3.11, with an install script that uses only the bundle (pip --no-index --find-links).

    python3 scripts/dev.py bundle [--out DIR] [--refresh]

The wheels are downloaded once into .cache/wheels/ (gitignored) while an index is reachable and
reused until pyproject.toml's dependencies change (--refresh downloads again). The bundle's wheel
set is then picked from that cache with no index at all, for the target platform, which is the
same resolution the air-gapped install will do: a bundle that builds here installs there.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".cache" / "wheels"
# The target: CPython 3.11 on x86_64 Linux with glibc 2.28 or newer (RHEL/Rocky 8+, Debian 10+,
# Ubuntu 20.04+). pip needs every manylinux tag spelled out.
TARGET = ["--python-version", "3.11", "--implementation", "cp", "--abi", "cp311", "--abi", "abi3", "--abi", "none",
          *[a for tag in ("manylinux_2_28", "manylinux_2_27", "manylinux_2_24", "manylinux_2_17", "manylinux2014",
                          "manylinux_2_12", "manylinux2010", "manylinux_2_5", "manylinux1")
            for a in ("--platform", f"{tag}_x86_64")]]
# Published as source only (pure Python): built into a py3-none-any wheel here, once.
SOURCE_ONLY = ("jieba",)
# What the bundle holds besides the wheels: the app as it runs from its directory.
APP_FILES = ("app.py", "pyproject.toml", "README.md", ".streamlit", "pages", "ui", "logic", "content", "deploy",
             "docs/DEPLOY.md")

INSTALL_SH = """\
#!/bin/sh
# Install cart-mm from this bundle alone: no package index, no network.
set -eu
cd "$(dirname "$0")"
PYTHON="${PYTHON:-python3.11}"
"$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "CPython 3.11 is needed: set PYTHON=")'
"$PYTHON" -m venv .venv
.venv/bin/python -m pip install --isolated --no-index --find-links wheels --no-cache-dir --quiet -r requirements.txt
echo "Installed. Start one process:  ./run.sh   (http://127.0.0.1:8501)"
echo "Behind nginx under /cart-mm/:  .venv/bin/python deploy/serve.py --replicas 3   (see docs/DEPLOY.md)"
"""

RUN_SH = """\
#!/bin/sh
# One replica on 127.0.0.1:8501 (.streamlit/config.toml); extra options go to streamlit,
# e.g. ./run.sh --server.port 8502 --server.baseUrlPath cart-mm
cd "$(dirname "$0")"
exec .venv/bin/python -m streamlit run app.py "$@"
"""


def pip(*args: str, cwd: Path = ROOT) -> None:
    cmd = [sys.executable, "-m", "pip", *args]
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, cwd=cwd)


def project() -> tuple[str, list[str]]:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return meta["version"], list(meta["dependencies"])


def fill_cache(requirements: list[str], refresh: bool) -> None:
    """Download (index reachable) every wheel for the target into .cache/wheels, once per
    dependency list."""
    stamp = CACHE / ".complete"
    digest = hashlib.sha256(json.dumps([requirements, TARGET, SOURCE_ONLY]).encode()).hexdigest()
    if not refresh and stamp.exists() and stamp.read_text() == digest:
        print(f"wheels: {CACHE.relative_to(ROOT)} is complete for these dependencies", flush=True)
        return
    CACHE.mkdir(parents=True, exist_ok=True)
    for name in SOURCE_ONLY:
        wanted = [r for r in requirements if re.match(rf"{name}\b", r, re.I)] or [name]
        pip("wheel", "--quiet", "--no-deps", "--no-binary", name, "--wheel-dir", str(CACHE), *wanted)
    pip("download", "--quiet", "--dest", str(CACHE), "--find-links", str(CACHE), "--only-binary=:all:", *TARGET,
        *requirements)
    stamp.write_text(digest)


def pick_wheels(requirements: list[str], dest: Path) -> list[str]:
    """The bundle's wheels, resolved from the cache alone for the target; returns the pins."""
    dest.mkdir(parents=True)
    pip("download", "--isolated", "--quiet", "--no-index", "--find-links", str(CACHE), "--dest", str(dest),
        "--only-binary=:all:", *TARGET, *requirements)
    pins = []
    for wheel in sorted(dest.glob("*.whl")):
        name, version = wheel.name.split("-")[:2]
        pins.append(f"{name}=={version}")
    leftovers = [p.name for p in dest.iterdir() if p.suffix != ".whl"]
    if leftovers:
        sys.exit(f"not wheels: {leftovers}")
    return pins


def build(out: Path, refresh: bool = False) -> Path:
    version, requirements = project()
    fill_cache(requirements, refresh)
    name = f"cart-mm-offline-{version}"
    out.mkdir(parents=True, exist_ok=True)
    target = out / f"{name}.tar.gz"
    with tempfile.TemporaryDirectory() as tmp:
        stage = Path(tmp) / name
        stage.mkdir()
        pins = pick_wheels(requirements, stage / "wheels")
        for rel in APP_FILES:
            src = ROOT / rel
            dst = stage / rel
            dst.parent.mkdir(parents=True, exist_ok=True)
            if src.is_dir():
                shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
            else:
                shutil.copy2(src, dst)
        (stage / "requirements.txt").write_text(
            "# Exact pins of the wheels in wheels/ (CPython 3.11, Linux x86_64)\n" + "\n".join(pins) + "\n")
        for script, text in (("install.sh", INSTALL_SH), ("run.sh", RUN_SH)):
            (stage / script).write_text(text)
            (stage / script).chmod(0o755)
        with tarfile.open(target, "w:gz") as tar:
            tar.add(stage, arcname=name)
    size = target.stat().st_size / 2**20
    print(f"wrote {target} ({size:.0f} MB, {len(pins)} wheels)", flush=True)
    return target


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "dist")
    parser.add_argument("--refresh", action="store_true", help="download the wheels again")
    args = parser.parse_args()
    build(args.out.resolve(), args.refresh)
    return 0


if __name__ == "__main__":
    sys.exit(main())
