"""Development bearer tokens for the front door: a key pair, and RS256 JWTs signed with it.

    python gateway/tokens.py keys DIR          # DIR/jwt-private.pem, DIR/jwt-public.pem
    python gateway/tokens.py mint --class authed-user --sub alice [--key PEM] [--ttl 3600]

``mint`` prints a token of the issuer in deploy/values.yaml with the claims the gateway
reads: ``iss``, ``sub``, ``exp`` (now + ttl), ``iat`` and the class claim (``rlc``; the
``authed-user`` class is also what a token without it gets). The key defaults to
``.cache/demo/gateway/jwt-private.pem``, the one ``make demo`` makes. For development only:
Lift Wing's tokens are issued by meta.wikimedia.org's OAuth2 server.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import jwt
import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

ROOT = Path(__file__).resolve().parents[1]
DEMO_KEYS = ROOT / ".cache" / "demo" / "gateway"
PRIVATE, PUBLIC = "jwt-private.pem", "jwt-public.pem"


def make_keys(directory: Path) -> tuple[Path, Path]:
    """An RSA 2048 key pair as PEM files (kept if they exist)."""
    directory.mkdir(parents=True, exist_ok=True)
    private, public = directory / PRIVATE, directory / PUBLIC
    if not (private.exists() and public.exists()):
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        private.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        private.chmod(0o600)
        public.write_bytes(
            key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )
    return private, public


def gateway_values() -> dict:
    return yaml.safe_load((ROOT / "deploy" / "values.yaml").read_text())["gateway"]


def mint(
    private_key_pem: bytes,
    sub: str | None,
    rate_class: str | None = None,
    ttl: int = 3600,
    issuer: str | None = None,
    **claims: object,
) -> str:
    values = gateway_values()
    now = int(time.time())
    payload: dict[str, object] = {"iss": issuer or values["issuer"], "iat": now, "exp": now + ttl}
    if sub is not None:
        payload["sub"] = sub
    if rate_class is not None:
        payload[values["class_claim"]] = rate_class
    payload.update(claims)
    return jwt.encode(payload, private_key_pem, algorithm="RS256")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    keys = commands.add_parser("keys", help="make a key pair")
    keys.add_argument("directory", type=Path, nargs="?", default=DEMO_KEYS)
    token = commands.add_parser("mint", help="print a signed token")
    token.add_argument("--class", dest="rate_class", default="authed-user")
    token.add_argument("--sub", default="demo-user")
    token.add_argument("--ttl", type=int, default=3600, help="seconds until it expires")
    token.add_argument("--key", type=Path, default=DEMO_KEYS / PRIVATE)
    args = parser.parse_args(argv)
    if args.command == "keys":
        for path in make_keys(args.directory):
            print(path)
        return 0
    values = gateway_values()
    classes = [name for name in values["rate_limits"] if name != values["anonymous_class"]]
    if args.rate_class not in classes:
        parser.error(f"--class must be one of {', '.join(classes)} (anonymous: no token)")
    if not args.key.exists():
        parser.error(f"no key at {args.key}: run `make demo` (or `tokens.py keys`) first")
    print(mint(args.key.read_bytes(), args.sub, args.rate_class, args.ttl))
    return 0


if __name__ == "__main__":
    sys.exit(main())
