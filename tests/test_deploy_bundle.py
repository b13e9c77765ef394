"""The offline bundle: build it (scripts/dev.py bundle), install it into a fresh venv with no
package index reachable, start the app from it and see it answer: /_stcore/health = ok, the
HTML shell, and a page run over the app's websocket with no exception."""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import subprocess
import sys
import tarfile
import urllib.request
from pathlib import Path

from bench.session_client import Session
from deploy.proxy import Replica, free_port

ROOT = Path(__file__).resolve().parent.parent
# Any attempt to reach an index or the internet goes to a closed loopback port and fails.
NO_NETWORK = {"PIP_INDEX_URL": "http://127.0.0.1:9/simple", "PIP_NO_INDEX": "1",
              "http_proxy": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9",
              "HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9"}


async def _render(url: str, page: str, query: str):
    session = Session(base=url, page=page, query=query)
    await session.connect()
    try:
        return await session.run(), session.widgets
    finally:
        await session.close()


def test_bundle_installs_and_runs_without_an_index(tmp_path):
    subprocess.run([sys.executable, "scripts/dev.py", "bundle", "--out", str(tmp_path / "dist")],
                   cwd=ROOT, check=True, timeout=1200)
    (archive,) = (tmp_path / "dist").glob("cart-mm-offline-*.tar.gz")
    with tarfile.open(archive) as tar:
        tar.extractall(tmp_path, filter="data")
    (bundle,) = [p for p in tmp_path.iterdir() if p.name.startswith("cart-mm-offline-")]
    assert {"app.py", "install.sh", "run.sh", "requirements.txt", "wheels", "pages", "deploy"} <= {
        p.name for p in bundle.iterdir()}
    pins = [line for line in (bundle / "requirements.txt").read_text().splitlines() if "==" in line]
    assert len(pins) == len(list((bundle / "wheels").glob("*.whl")))
    assert any(p.lower().startswith("streamlit==") for p in pins)

    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "VIRTUAL_ENV"))}
    env |= NO_NETWORK | {"PYTHON": getattr(sys, "_base_executable", sys.executable)}
    subprocess.run(["sh", "install.sh"], cwd=bundle, env=env, check=True, timeout=900)
    python = bundle / ".venv" / "bin" / "python"
    where = subprocess.run([str(python), "-c", "import streamlit, sys; print(streamlit.__file__)"],
                           capture_output=True, text=True, check=True).stdout
    assert where.startswith(str(bundle / ".venv")), where  # its own venv, not the test's

    replica = Replica(free_port(), python=str(python), cwd=bundle, env=env)
    try:
        url = replica.start()
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=10) as r:
            assert r.read() == b"ok"
        with urllib.request.urlopen(f"{url}/", timeout=10) as r:
            assert b'<div id="root">' in r.read()
        # In its own thread: in the full suite a browser test's Playwright loop may be running in
        # this one, and asyncio.run() refuses to start inside a running loop.
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            result, widgets = pool.submit(asyncio.run, _render(url, "dosing", "lang=en&weight_kg=72")).result(300)
        assert result.status == "FINISHED_SUCCESSFULLY" and result.exceptions == 0, (result, replica.text())
        assert "number_input" in widgets.values()
    finally:
        replica.stop()
