"""A real HAProxy rendered by gateway/render.py, in front of real HTTP servers, with keys
made here and tokens signed by PyJWT."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from support import TEST_LIMITS, TRUSTED_PROXY, Backend, Gateway, Keys, free_port, render, tokens


@pytest.fixture(scope="session")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Keys:
    directory = tmp_path_factory.mktemp("keys")
    private_path, public_path = tokens.make_keys(directory)
    foreign = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return Keys(
        private=private_path.read_bytes(),
        public_path=public_path,
        foreign_private=foreign.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
        public=public_path.read_bytes(),
    )


@pytest.fixture(scope="session")
def backends() -> Iterator[dict[str, Backend]]:
    config = render.load()
    images = sorted({model.image for model in config.models} | {config.ores_image})
    servers = {image: Backend(image) for image in images}
    yield servers
    for server in servers.values():
        server.close()


@pytest.fixture(scope="session")
def start_gateway(
    keys: Keys, backends: dict[str, Backend], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[..., Gateway]]:
    """Start a gateway rendered from deploy/values.yaml with these overrides."""
    started: list[Gateway] = []

    def start(**overrides: Any) -> Gateway:
        settings: dict[str, Any] = {
            "backends": {image: backend.address for image, backend in backends.items()},
            "public_key": str(keys.public_path),
            "bind": f"127.0.0.1:{free_port()}",
            "admin_bind": f"127.0.0.1:{free_port()}",
            "rate_limits": TEST_LIMITS,
            "trusted_proxies": (TRUSTED_PROXY,),
            **overrides,
        }
        gateway = Gateway(render.load(**settings), tmp_path_factory.mktemp("gateway"))
        started.append(gateway)
        return gateway

    yield start
    for gateway in started:
        gateway.stop()


@pytest.fixture(scope="session")
def gateway(start_gateway: Callable[..., Gateway]) -> Gateway:
    return start_gateway()


@pytest.fixture
def token(keys: Keys) -> Callable[..., str]:
    """A valid token: ``token(sub, rate_class=None, **claims)``."""

    def make(sub: str | None, rate_class: str | None = None, **claims: Any) -> str:
        return tokens.mint(keys.private, sub, rate_class, **claims)

    return make


_addresses = iter(f"127.0.{i // 250 + 1}.{i % 250 + 1}" for i in range(10**5))


@pytest.fixture
def address() -> Callable[[], str]:
    """A loopback address no other request used: a new anonymous client."""
    return lambda: next(_addresses)
