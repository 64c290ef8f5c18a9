"""The front door (``gateway/``) started the way ``make demo`` starts it, in front of servers
a test started: ``gateway/tokens.py keys``, ``gateway/render.py`` and a real ``haproxy``
process, with tokens from ``gateway/tokens.py mint`` (the command ``make token`` runs).

For a service's end-to-end tests (the gateway's own tests, with echo servers behind the
door, are in ``gateway/tests``)::

    with serving("revert_risk", ...) as server:
        backends = {"revert-risk": server.url.removeprefix("http://")}
        with front_door(GATEWAY_DIR, tmp_path, backends) as door:
            door.request("POST", "/service/lw/inference/v1/models/...:predict",
                         token=door.token("established-user", "alice"), body=b"...")

The scripts run under this interpreter, which therefore needs the gateway's requirements
(``gateway/requirements.txt``: PyJWT, cryptography, PyYAML). Without ``haproxy`` on the
machine the test is skipped, except under ``CI``, where it fails.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from .embedded_wiki import free_port


def haproxy_or_skip() -> str:
    """The ``haproxy`` executable; skip the test if there is none, fail it under ``CI``."""
    search = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])
    found = shutil.which("haproxy", path=search)
    if found:
        return found
    message = "haproxy is not installed (Debian's package: system-packages.txt)"
    if os.environ.get("CI", "").lower() not in ("", "0", "false"):
        pytest.fail(f"{message}; under CI the front door's tests must run")
    pytest.skip(message)


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]  # names in lower case
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class FrontDoor:
    """A running front door: its port, the files it was made from, and a client."""

    port: int
    admin_port: int
    directory: Path  # keys/, the rendered configuration, haproxy.log
    gateway_dir: Path
    process: subprocess.Popen[bytes]

    @property
    def private_key(self) -> Path:
        return self.directory / "keys" / "jwt-private.pem"

    def token(self, rate_class: str, sub: str, *, ttl: int = 3600, key: Path | None = None) -> str:
        """A token from ``tokens.py mint`` signed with the door's key (or ``key``)."""
        minted = _run(
            sys.executable,
            self.gateway_dir / "tokens.py",
            "mint",
            f"--class={rate_class}",
            f"--sub={sub}",
            f"--ttl={ttl}",
            f"--key={key or self.private_key}",
        )
        return minted.stdout.strip()

    def request(self, method: str, path: str, **options: Any) -> Response:
        """:func:`request` to the door (``host``, ``token``, ``body``)."""
        return request(self.port, method, path, **options)

    def health(self) -> dict[str, Any]:
        response = self.request("GET", "/healthz")
        assert response.status == 200, response
        return dict(response.json())

    def log(self) -> str:
        return (self.directory / "haproxy.log").read_text(errors="replace")


def _run(*args: Any) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([str(arg) for arg in args], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, f"{args}: {result.stdout}{result.stderr}"
    return result


def make_keys(gateway_dir: Path, directory: Path) -> Path:
    """A key pair made by ``tokens.py keys`` in ``directory``; returns the private key."""
    _run(sys.executable, gateway_dir / "tokens.py", "keys", directory)
    return directory / "jwt-private.pem"


def request(
    port: int,
    method: str,
    path: str,
    *,
    host: str | None = None,
    token: str | None = None,
    body: bytes | None = None,
) -> Response:
    """One HTTP/1.1 request to a loopback port, with any ``Host`` and a bearer token."""
    headers = {"Host": host or f"127.0.0.1:{port}"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return Response(
            response.status,
            {name.lower(): value for name, value in response.getheaders()},
            response.read(),
        )
    finally:
        connection.close()


@contextmanager
def front_door(
    gateway_dir: Path,
    directory: Path,
    backends: Mapping[str, str],
    *,
    limits: Sequence[str] = (),
    timeout: float = 20,
) -> Iterator[FrontDoor]:
    """Keys, configuration and ``haproxy`` in ``directory``, with ``backends`` (image ->
    ``host:port``) behind the door and ``limits`` (``CLASS=SECOND/HOUR``) overriding the
    table's; yields once ``/healthz`` counts every backend up, stops haproxy at the end."""
    haproxy = haproxy_or_skip()
    keys = directory / "keys"
    make_keys(gateway_dir, keys)
    port, admin_port = free_port(), free_port()
    rendered = _run(
        sys.executable,
        gateway_dir / "render.py",
        f"--out={directory / 'config'}",
        f"--public-key={keys / 'jwt-public.pem'}",
        f"--bind=127.0.0.1:{port}",
        f"--admin-bind=127.0.0.1:{admin_port}",
        *(f"--backend={image}={address}" for image, address in backends.items()),
        *(f"--limit={limit}" for limit in limits),
    )
    config = rendered.stdout.strip()
    _run(haproxy, "-c", "-f", config)
    with open(directory / "haproxy.log", "wb") as log:
        process = subprocess.Popen(
            [haproxy, "-db", "-f", config], stdout=log, stderr=subprocess.STDOUT
        )
    door = FrontDoor(port, admin_port, directory, gateway_dir, process)
    try:
        deadline = time.monotonic() + timeout
        while not _all_up(door, backends):
            assert process.poll() is None, f"haproxy exited: {door.log()[-2000:]}"
            assert time.monotonic() < deadline, f"not every server up: {door.log()[-2000:]}"
            time.sleep(0.1)
        yield door
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _all_up(door: FrontDoor, backends: Mapping[str, str]) -> bool:
    try:
        up = door.health()["servers_up"]
    except (OSError, AssertionError, ValueError):
        return False
    return all(up.get(image) == 1 for image in backends)
