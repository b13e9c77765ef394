"""nginx in front of N Streamlit replicas, under a base path, with sticky sessions.

One source for the site config: `site_conf()` renders the http-level block (upstream, log
format, server) that `deploy/nginx/cart-mm.conf` holds for three replicas on 8501-8503 (a test
checks the file equals the rendering), and that `scripts/dev.py serve --replicas N`, the tests
and the load harness run inside a throwaway nginx prefix (`Nginx`).

Why each piece:
- Streamlit keeps a user's session (and its download files) in the memory of the process that
  holds the websocket, so every request of one browser must reach one replica. Open-source
  nginx has no `sticky cookie`; `hash $cookie consistent` does the same with a random route id
  set on the first response (it carries nothing about the patient). `ip_hash` would send a
  whole hospital to one replica when the hospital's own reverse proxy is the only client address.
- When a replica dies, `proxy_next_upstream error` sends its users' next request (the browser's
  websocket reconnect) to the next replica on the hash ring, and `max_fails` keeps it there.
- Links carry clinical values in their query strings (`?weight_kg=72`), so the access log
  writes `$uri` (the path alone), never `$request`/`$request_uri`/`$http_referer`; nginx's
  error lines quote the request line with its query, so the error log is kept at `crit`.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASE = "cart-mm"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
ROUTE_COOKIE = "cartmm_route"


def site_conf(ports: list[int], listen: str, *, base: str = BASE,
              access_log: str = "/var/log/nginx/cart-mm.access.log",
              error_log: str = "/var/log/nginx/cart-mm.error.log") -> str:
    servers = "\n".join(f"    server 127.0.0.1:{p} max_fails=1 fail_timeout=10s;" for p in ports)
    return f"""\
# cart-mm behind nginx: {len(ports)} Streamlit replicas under /{base}/ (rendered by deploy/proxy.py).
# Each replica runs: streamlit run app.py --server.port PORT --server.address 127.0.0.1 --server.baseUrlPath {base}

# Websocket upgrade for /_stcore/stream.
map $http_upgrade $cartmm_connection {{
    default upgrade;
    ''      close;
}}

# Sticky sessions: a random route id per browser (the first request's id), kept in a cookie.
map $cookie_{ROUTE_COOKIE} $cartmm_route {{
    ''      $request_id;
    default $cookie_{ROUTE_COOKIE};
}}

# No query strings (links carry clinical values), no referer, no cookies in the access log.
log_format cartmm_noquery '$remote_addr [$time_local] "$request_method $uri $server_protocol" '
                          '$status $body_bytes_sent $request_time upstream=$upstream_addr/$upstream_status';

upstream cartmm {{
    hash $cartmm_route consistent;
{servers}
}}

server {{
    listen {listen};
    access_log {access_log} cartmm_noquery;
    # nginx's error lines quote the request line, query string and all: keep only critical ones.
    error_log {error_log} crit;

    location = /{base} {{
        return 301 /{base}/;
    }}

    location /{base}/ {{
        # No URI part: the path goes through unchanged; Streamlit itself serves under /{base}.
        proxy_pass http://cartmm;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection $cartmm_connection;
        proxy_set_header Host $http_host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_connect_timeout 2s;
        # A websocket stays open for the whole visit; Streamlit pings it, this is the idle cap.
        proxy_read_timeout 1h;
        proxy_send_timeout 1h;
        proxy_buffering off;
        # A dead replica: its users' next request (the websocket reconnect) goes to the next one.
        proxy_next_upstream error timeout http_502 http_503;
        proxy_next_upstream_tries 3;
        add_header Set-Cookie "{ROUTE_COOKIE}=$cartmm_route; Path=/{base}/; HttpOnly; SameSite=Strict" always;
    }}

    # Health check for the hospital's monitoring / load balancer: one replica's health, no log line.
    location = /{base}/_stcore/health {{
        proxy_pass http://cartmm;
        proxy_next_upstream error timeout http_502 http_503;
        proxy_connect_timeout 2s;
        access_log off;
    }}
}}
"""


def standalone_conf(site: str, workdir: Path) -> str:
    """A whole nginx.conf around the site block, every path inside workdir (no root needed)."""
    w = workdir
    return f"""\
worker_processes 1;
# A graceful stop (nginx -s quit) waits for open websockets at most this long.
worker_shutdown_timeout 10s;
pid {w}/nginx.pid;
# The master's own lines (start, stop); request errors go to the server's log at crit.
error_log stderr notice;
events {{ worker_connections 4096; }}
http {{
    client_body_temp_path {w}/client_body;
    proxy_temp_path {w}/proxy;
    fastcgi_temp_path {w}/fastcgi;
    uwsgi_temp_path {w}/uwsgi;
    scgi_temp_path {w}/scgi;
    default_type application/octet-stream;
{site}
}}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Nginx:
    """nginx from a throwaway prefix, in the foreground as a child process. start() returns when
    the master reports starting its worker, which it does after binding the listen socket."""

    def __init__(self, workdir: Path, ports: list[int], listen_port: int, *, base: str = BASE) -> None:
        self.workdir = workdir
        self.port = listen_port
        self.url = f"http://127.0.0.1:{listen_port}/{base}"
        self.access_log = workdir / "access.log"
        workdir.mkdir(parents=True, exist_ok=True)
        self.conf = workdir / "nginx.conf"
        site = site_conf(ports, f"127.0.0.1:{listen_port}", base=base, access_log=str(self.access_log),
                         error_log=str(workdir / "error.log"))
        self.conf.write_text(standalone_conf(site, workdir))
        self.proc: subprocess.Popen | None = None
        self.output: list[str] = []
        self._ready = threading.Event()

    def _cmd(self, *extra: str) -> list[str]:
        return [NGINX, "-p", str(self.workdir), "-c", str(self.conf), "-e", "stderr", *extra]

    def _drain(self) -> None:
        for line in self.proc.stderr:
            self.output.append(line)
            if "start worker process" in line:
                self._ready.set()
        self._ready.set()

    def start(self, timeout: float = 30) -> str:
        subprocess.run(self._cmd("-t", "-q"), check=True)
        self.proc = subprocess.Popen(self._cmd("-g", "daemon off;"), stderr=subprocess.PIPE, text=True)
        threading.Thread(target=self._drain, daemon=True).start()
        if not self._ready.wait(timeout) or self.proc.poll() is not None:
            self.stop(graceful=False)
            raise RuntimeError("nginx did not start:\n" + "".join(self.output))
        return self.url

    def stop(self, graceful: bool = True, timeout: float = 15) -> None:
        """SIGQUIT: stop accepting, finish in-flight requests (open websockets: at most
        worker_shutdown_timeout), exit. SIGTERM is the fast stop."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGQUIT if graceful else signal.SIGTERM)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class Replica:
    """`streamlit run app.py` on a loopback port under the base path; start() returns once the
    server printed the URL it listens on (it prints it after binding)."""

    def __init__(self, port: int, *, base: str = BASE, python: str = sys.executable, cwd: Path = ROOT,
                 env: dict[str, str] | None = None) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}/{base}"
        self.output: list[bytes] = []
        self._listening = threading.Event()
        self.proc = subprocess.Popen(
            [python, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true", "--server.baseUrlPath", base],
            cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, start_new_session=True,
        )
        self._drainer = threading.Thread(target=self._drain, daemon=True)
        self._drainer.start()

    def _drain(self) -> None:
        for line in self.proc.stdout:
            self.output.append(line)
            if f"URL: http://127.0.0.1:{self.port}".encode() in line:
                self._listening.set()
        self._listening.set()

    def start(self, timeout: float = 90) -> str:
        if not self._listening.wait(timeout) or self.proc.poll() is not None:
            self.stop()
            raise RuntimeError(f"replica on {self.port} did not start:\n{self.text()}")
        with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=10) as r:
            assert r.read() == b"ok"
        return self.url

    def kill(self) -> None:
        """The process dies at once (a crash, an OOM kill), no goodbye to its sessions."""
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self, timeout: float = 10) -> None:
        """Graceful: SIGTERM lets Streamlit close its websockets and exit; SIGKILL only if it hangs."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        self._drainer.join(timeout=10)

    def rss_mb(self) -> float:
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        return 0.0

    def text(self) -> str:
        return b"".join(self.output).decode("utf-8", "replace")
