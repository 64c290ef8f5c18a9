"""What the front door's tests import: the gateway process and its client, the servers
behind it, the keys, and the small limits the tests configure."""

from __future__ import annotations

import dataclasses
import http.client
import json
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

GATEWAY = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(GATEWAY))

import render  # noqa: E402
import tokens  # noqa: E402,F401

from inference_testing.embedded_wiki import free_port  # noqa: E402,F401
from inference_testing.gateway import Response, haproxy_or_skip  # noqa: E402

# Small limits, so that tests reach them: requests per second / per hour.
TEST_LIMITS = {
    "anon": render.RateLimit(4, 1000),
    "authed-user": render.RateLimit(6, 1000),
    "established-user": render.RateLimit(9, 1000),
}
TRUSTED_PROXY = "127.0.0.2"


class Backend:
    """A real HTTP server standing for one image's model server: it answers every request
    with what it received (its name, method, path, the client address header), and
    /v2/health/ready with 200."""

    def __init__(self, image: str) -> None:
        self.image = image
        self.requests: list[dict[str, Any]] = []
        backend = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _answer(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                seen = {
                    "server": backend.image,
                    "method": self.command,
                    "path": self.path,
                    "x_client_ip": self.headers.get("x-client-ip"),
                    "authorization": self.headers.get("authorization"),
                    "body": body.decode(),
                }
                if self.path != render.READY_PATH:
                    backend.requests.append(seen)
                data = json.dumps(seen).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _answer

            def log_message(self, *args: Any) -> None:
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # haproxy's health checks close with a reset

        self.server = Server(("127.0.0.1", 0), Handler)
        self.address = f"127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclasses.dataclass
class Keys:
    private: bytes
    public_path: Path
    foreign_private: bytes
    public: bytes


class Gateway:
    """A running haproxy process and a client for it."""

    def __init__(self, config: render.Gateway, directory: Path) -> None:
        self.config = config
        self.port = int(config.bind.rpartition(":")[2])
        self.admin_port = int(config.admin_bind.rpartition(":")[2])
        cfg = render.render(config, directory)
        haproxy = haproxy_or_skip()
        check = subprocess.run([haproxy, "-c", "-f", str(cfg)], capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr
        self.log_path = directory / "haproxy.log"
        self._log = open(self.log_path, "wb")
        self.process = subprocess.Popen(
            [haproxy, "-db", "-f", str(cfg)], stdout=self._log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 10
        while True:
            try:
                if self.request("GET", render.HEALTH_PATH).status == 200:
                    break
            except OSError:
                pass
            assert self.process.poll() is None, self.log_path.read_text()
            assert time.monotonic() < deadline, "haproxy did not start"
            time.sleep(0.05)

    def connection(self, source: str = "127.0.0.1") -> http.client.HTTPConnection:
        return http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=10, source_address=(source, 0)
        )

    def request(
        self,
        method: str,
        path: str,
        *,
        host: str | None = None,
        token: str | None = None,
        headers: dict[str, str] | None = None,
        body: bytes | None = None,
        source: str = "127.0.0.1",
        connection: http.client.HTTPConnection | None = None,
    ) -> Response:
        own = connection is None
        conn = connection or self.connection(source)
        all_headers = {"Host": host or f"127.0.0.1:{self.port}", **(headers or {})}
        if token is not None:
            all_headers["Authorization"] = f"Bearer {token}"
        try:
            conn.request(method, path, body=body, headers=all_headers)
            response = conn.getresponse()
            return Response(
                response.status,
                {name.lower(): value for name, value in response.getheaders()},
                response.read(),
            )
        finally:
            if own:
                conn.close()

    def admin(self, path: str) -> str:
        conn = http.client.HTTPConnection("127.0.0.1", self.admin_port, timeout=10)
        try:
            conn.request("GET", path)
            return conn.getresponse().read().decode()
        finally:
            conn.close()

    def log(self) -> str:
        return self.log_path.read_text()

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log.close()
