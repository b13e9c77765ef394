"""N Streamlit replicas on consecutive loopback ports behind nginx, under /cart-mm/.

    python3 scripts/dev.py serve --replicas 3 [--port 8080] [--first-port 8501] [--base cart-mm]
    .venv/bin/python deploy/serve.py --replicas 3          # from an offline bundle

Sticky sessions, passive health checks and the log format are in deploy/proxy.py (the same
config as deploy/nginx/cart-mm.conf). A replica that dies is started again on its port (what
systemd's Restart=always does in production, deploy/systemd/). Ctrl-C or SIGTERM shuts down
gracefully: nginx stops accepting and finishes what is in flight (`nginx -s quit`), then each
replica gets SIGTERM and closes its sessions.
"""

from __future__ import annotations

import argparse
import signal
import socket
import sys
import tempfile
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from deploy.proxy import BASE, Nginx, Replica  # noqa: E402


def port_is_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replicas", type=int, default=3)
    parser.add_argument("--port", type=int, default=8080, help="nginx listens on 127.0.0.1:PORT")
    parser.add_argument("--first-port", type=int, default=8501, help="replica i listens on FIRST_PORT + i")
    parser.add_argument("--base", default=BASE, help="the path the app is served under")
    args = parser.parse_args()
    ports = [args.first_port + i for i in range(args.replicas)]
    busy = [p for p in [*ports, args.port] if not port_is_free(p)]
    if busy:
        sys.exit(f"ports in use: {busy}")

    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())

    replicas = {p: Replica(p, base=args.base) for p in ports}
    proxy = None
    with tempfile.TemporaryDirectory(prefix="cart-mm-nginx-") as workdir:
        try:
            for r in replicas.values():
                r.start()
            proxy = Nginx(Path(workdir), ports, args.port, base=args.base)
            url = proxy.start()
            print(f"{args.replicas} replicas on 127.0.0.1:{ports[0]}-{ports[-1]}; open {url}/  (Ctrl-C stops)",
                  flush=True)
            while not stop.wait(2):
                if proxy.proc.poll() is not None:
                    print(f"nginx exited ({proxy.proc.returncode}): stopping", flush=True)
                    break
                for port, r in list(replicas.items()):
                    if r.proc.poll() is not None:
                        print(f"replica {port} exited ({r.proc.returncode}); starting it again", flush=True)
                        replicas[port] = Replica(port, base=args.base)
                        replicas[port].start()
        finally:
            print("stopping: nginx finishes in-flight requests, then each replica closes its sessions", flush=True)
            if proxy is not None:
                proxy.stop(graceful=True)
            for r in replicas.values():
                r.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
