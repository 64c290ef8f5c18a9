"""A real MediaWiki on loopback, "like SQLite for a database": the Action API of Debian's
MediaWiki 1.39 on a throwaway SQLite database, seeded with deterministic articles, users,
edits and pages (see :mod:`.seed` for the data and the manifest).

Typical use::

    wiki = EmbeddedWiki.launch(tmp_dir)          # copy of the cached seeded template
    wiki.api_url                                 # http://127.0.0.1:PORT/w/api.php
    wiki.seed["revisions"]["vandalism"]          # ids from the manifest
    wiki.stop()

- :func:`ensure_installed` installs ``mediawiki php-cli php-sqlite3`` with apt when they are
  missing (as root; otherwise it says what to install);
- :func:`ensure_template` builds the seeded wiki once into a cache directory
  (``<repo or cwd>/.cache/embedded-wiki-template-<fingerprint of the seed>``, or under
  ``$EMBEDDED_WIKI_CACHE``), guarded by a file lock so parallel test sessions build it once
  (templates of older seeds are removed after an hour);
- :class:`EmbeddedWiki` copies that template into a directory and serves it with
  ``PHP_CLI_SERVER_WORKERS=4 php -S 127.0.0.1:PORT`` (document root: a directory holding a
  symlink ``w -> /usr/share/mediawiki``), then stops the server's whole process group.

The CLI is ``python -m inference_testing.embedded_wiki start|stop|status`` and the pytest
plugin is :mod:`.fixtures`.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Any, Mapping

from . import seed as seed_module

logger = logging.getLogger(__name__)

MEDIAWIKI_DIR = Path("/usr/share/mediawiki")
MAINTENANCE_DIR = MEDIAWIKI_DIR / "maintenance"
INSTALL_PHP = MAINTENANCE_DIR / "install.php"
APT_PACKAGES = ("mediawiki", "php-cli", "php-sqlite3")
REQUIRED_PHP_EXTENSIONS = ("pdo_sqlite", "sqlite3")

HOST = "127.0.0.1"
DEFAULT_PORT = 8180
SCRIPT_PATH = "/w"
SITE_NAME = "Wikipedia"
ADMIN_PASSWORD = "AdminPass-12345"  # a throwaway wiki on loopback
PHP_WORKERS = "4"
CACHE_ENV = "EMBEDDED_WIKI_CACHE"
TEMPLATE_PREFIX = "embedded-wiki-template-"
SCRATCH_DIR = "/dev/shm"
SCRATCH_MIN_FREE = 512 * 1024 * 1024
STALE_TEMPLATE_AGE = 3600.0  # seconds

MARKER = ".embedded-wiki"  # marks a directory this module may empty
SEED_FILE = "seed.json"
PID_FILE = "php.pid"
INSTANCE_FILE = "instance.json"
LOG_FILE = "php.log"
SERVER_SETTINGS = "ServerSettings.php"
DOCROOT = "docroot"

# Appended to the installer's LocalSettings.php.
EXTRA_SETTINGS = """
# --- inference_testing.embedded_wiki ---
# Never run jobs from web requests: the seed writes page props directly, and a
# refreshLinks job would recompute them from wikitext.
$wgJobRunRate = 0;
# Keep the whole seeded history in recent changes.
$wgRCMaxAge = 30 * 365 * 86400;
$wgShowExceptionDetails = true;
$wgRateLimits = [];
$wgEnableUploads = false;
$wgMetaNamespace = "Wikipedia";
"""


class EmbeddedWikiError(RuntimeError):
    """The embedded wiki could not be installed, built, started or stopped."""


class PortInUseError(EmbeddedWikiError):
    """The requested port is already taken."""


def tail(text: str | bytes, lines: int = 25) -> str:
    """The last ``lines`` lines of a process output, for error messages."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return "\n".join(text.rstrip().splitlines()[-lines:])


# ---------------------------------------------------------------------------------------
# Installing MediaWiki and PHP
# ---------------------------------------------------------------------------------------

_apt_updated = False


def missing_requirements() -> list[str]:
    """What is missing to run the embedded wiki (empty when everything is there)."""
    missing = []
    php = shutil.which("php")
    if php is None:
        missing.append("php (apt package php-cli)")
    if not INSTALL_PHP.exists():
        missing.append(f"{INSTALL_PHP} (apt package mediawiki)")
    if php is not None:
        result = subprocess.run(
            [php, "-m"], capture_output=True, text=True, check=False, timeout=60
        )
        loaded = {line.strip().lower() for line in result.stdout.splitlines()}
        for extension in REQUIRED_PHP_EXTENSIONS:
            if extension not in loaded:
                missing.append(f"PHP extension {extension} (apt package php-sqlite3)")
    return missing


def _apt_get(*args: str) -> None:
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    command = ["apt-get", *args]
    result = subprocess.run(command, capture_output=True, env=env, check=False, timeout=1800)
    if result.returncode != 0:
        raise EmbeddedWikiError(
            f"{' '.join(command)} failed (exit {result.returncode}):\n"
            f"{tail(result.stdout + result.stderr)}"
        )


def ensure_installed() -> None:
    """Install MediaWiki, the PHP CLI and PHP's SQLite driver with apt if any is missing.

    Runs ``apt-get update`` once per process, then ``apt-get install -y
    --no-install-recommends mediawiki php-cli php-sqlite3``. Without root, raises
    :class:`EmbeddedWikiError` saying what to install."""
    global _apt_updated
    missing = missing_requirements()
    if not missing:
        return
    packages = " ".join(APT_PACKAGES)
    if os.geteuid() != 0:
        raise EmbeddedWikiError(
            f"the embedded wiki needs {', '.join(missing)}; install them as root with: "
            f"apt-get install -y --no-install-recommends {packages}"
        )
    logger.info("installing %s with apt-get (missing: %s)", packages, ", ".join(missing))
    if not _apt_updated:
        _apt_get("update")
        _apt_updated = True
    _apt_get("install", "-y", "--no-install-recommends", *APT_PACKAGES)
    still_missing = missing_requirements()
    if still_missing:
        raise EmbeddedWikiError(f"still missing after apt-get install: {', '.join(still_missing)}")


# ---------------------------------------------------------------------------------------
# Ports, processes and the template cache
# ---------------------------------------------------------------------------------------


def port_is_free(port: int, host: str = HOST) -> bool:
    """Whether nothing listens on ``host:port`` (checked by binding it the way a server
    does, so connections in TIME_WAIT do not count)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def free_port(host: str = HOST) -> int:
    """A port on ``host`` that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _process_state(pid: int) -> tuple[str, int] | None:
    """``(state letter, process group)`` of a process, or None if there is none."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()
    return fields[0], int(fields[2])


def _is_alive(pid: int) -> bool:
    state = _process_state(pid)
    return state is not None and state[0] not in ("Z", "X")


def _group_alive(pgid: int) -> bool:
    """Whether a process of group ``pgid`` still runs (zombies do not count)."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            state = _process_state(int(entry.name))
            if state is not None and state[1] == pgid and state[0] not in ("Z", "X"):
                return True
    return False


def _cmdline(pid: int) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode("utf-8", "replace") for part in raw.split(b"\0") if part]


def repo_root(start: Path | None = None) -> Path | None:
    """The nearest directory at or above ``start`` (default: cwd) holding ``.git``."""
    here = (start or Path.cwd()).resolve()
    for directory in (here, *here.parents):
        if (directory / ".git").exists():
            return directory
    return None


def default_cache_root() -> Path:
    """``$EMBEDDED_WIKI_CACHE``, else ``<repo root or cwd>/.cache``."""
    override = os.environ.get(CACHE_ENV)
    if override:
        return Path(override).resolve()
    return (repo_root() or Path.cwd().resolve()) / ".cache"


def seed_fingerprint() -> str:
    """A short hash of everything a template depends on: this package's code and data
    files, and the MediaWiki version."""
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parent
    for path in sorted(package.iterdir()):
        if path.suffix in (".py", ".wikitext", ".json") and path.name not in (
            "__main__.py",
            "fixtures.py",
        ):
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    defines = MEDIAWIKI_DIR / "includes" / "Defines.php"
    if defines.exists():
        match = re.search(r"define\( 'MW_VERSION', '([^']+)' \)", defines.read_text())
        digest.update((match.group(1) if match else "").encode())
    return digest.hexdigest()[:12]


def ensure_template(cache_root: Path | None = None) -> Path:
    """The seeded template wiki, built once per fingerprint (under a file lock, in a
    temporary directory renamed into place, so concurrent callers build it once)."""
    ensure_installed()
    root = (cache_root or default_cache_root()).resolve()
    target = root / f"{TEMPLATE_PREFIX}{seed_fingerprint()}"
    if (target / SEED_FILE).exists():
        return target
    root.mkdir(parents=True, exist_ok=True)
    with open(root / f"{target.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (target / SEED_FILE).exists():
            return target
        staging = root / f"{target.name}.tmp-{os.getpid()}"
        building = Path(tempfile.mkdtemp(prefix=f"{target.name}.", dir=_scratch_dir(root)))
        try:
            started = time.monotonic()
            EmbeddedWiki(building).build()
            shutil.rmtree(staging, ignore_errors=True)
            shutil.copytree(building, staging, symlinks=True)
            staging.rename(target)
            logger.info("built %s in %.1f s", target, time.monotonic() - started)
        finally:
            shutil.rmtree(building, ignore_errors=True)
            shutil.rmtree(staging, ignore_errors=True)
    _prune_stale_templates(root, keep=target)
    return target


def _prune_stale_templates(root: Path, keep: Path) -> None:
    """Remove templates of other fingerprints (older seeds) not modified for an hour."""
    cutoff = time.time() - STALE_TEMPLATE_AGE
    for path in root.glob(f"{TEMPLATE_PREFIX}*"):
        if path == keep or ".tmp-" in path.name or path.suffix == ".lock":
            continue
        try:
            if path.is_dir() and path.stat().st_mtime < cutoff:
                shutil.rmtree(path, ignore_errors=True)
                path.with_name(f"{path.name}.lock").unlink(missing_ok=True)
        except OSError:
            continue


def _scratch_dir(fallback: Path) -> Path:
    """Where to build: a RAM disk when there is one (SQLite's fsyncs make the import
    several times slower on disk), else ``fallback``."""
    shm = Path(SCRATCH_DIR)
    try:
        if os.access(shm, os.W_OK) and shutil.disk_usage(shm).free > SCRATCH_MIN_FREE:
            return shm
    except OSError:
        pass
    return fallback


def _prepare_directory(directory: Path) -> None:
    """Make ``directory`` empty, refusing to touch one this module did not create or
    one whose wiki is still running."""
    if directory.exists() and any(directory.iterdir()):
        if not (directory / MARKER).exists():
            raise EmbeddedWikiError(
                f"{directory} is not empty and is not an embedded wiki; refusing to replace it"
            )
        if EmbeddedWiki.open(directory).is_running():
            raise EmbeddedWikiError(f"the embedded wiki in {directory} is running; stop it first")
        shutil.rmtree(directory)
    directory.mkdir(parents=True, exist_ok=True)


# ---------------------------------------------------------------------------------------
# The wiki
# ---------------------------------------------------------------------------------------


class EmbeddedWiki:
    """A MediaWiki installation in ``directory``, served on ``host:port`` when started.

    Attributes: :attr:`api_url` (``http://127.0.0.1:PORT/w/api.php``), :attr:`base_url`,
    :attr:`port`, :attr:`seed` (the manifest), :attr:`pid` (the php server's pid)."""

    def __init__(self, directory: Path | str, port: int = DEFAULT_PORT, host: str = HOST):
        self.directory = Path(directory).resolve()
        self.port = port
        self.host = host
        self._process: subprocess.Popen[bytes] | None = None
        self._seed: dict[str, Any] | None = None

    # -- locations ----------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.base_url}{SCRIPT_PATH}/api.php"

    @property
    def local_settings(self) -> Path:
        return self.directory / "LocalSettings.php"

    @property
    def db_path(self) -> Path:
        return self.directory / "data" / "wikidb.sqlite"

    @property
    def log_path(self) -> Path:
        return self.directory / LOG_FILE

    @property
    def seed(self) -> dict[str, Any]:
        """The seed manifest (``seed.json``)."""
        if self._seed is None:
            self._seed = json.loads((self.directory / SEED_FILE).read_text())
        return self._seed

    @property
    def pid(self) -> int | None:
        """The php server's pid (also its process group), if one was started."""
        if self._process is not None:
            return self._process.pid
        try:
            return int((self.directory / PID_FILE).read_text().strip())
        except (OSError, ValueError):
            return None

    def __repr__(self) -> str:
        return f"EmbeddedWiki({str(self.directory)!r}, port={self.port})"

    # -- construction -------------------------------------------------------------------

    @classmethod
    def open(cls, directory: Path | str) -> EmbeddedWiki:
        """The wiki in ``directory``, with the port it was last started on."""
        directory = Path(directory)
        try:
            instance = json.loads((directory / INSTANCE_FILE).read_text())
        except (OSError, ValueError):
            return cls(directory)
        return cls(directory, int(instance["port"]), instance.get("host", HOST))

    @classmethod
    def from_template(
        cls, directory: Path | str, port: int = DEFAULT_PORT, cache_root: Path | None = None
    ) -> EmbeddedWiki:
        """A fresh copy of the seeded template in ``directory`` (not started)."""
        template = ensure_template(cache_root)
        directory = Path(directory).resolve()
        _prepare_directory(directory)
        shutil.copytree(template, directory, symlinks=True, dirs_exist_ok=True)
        wiki = cls(directory, port)
        wiki._write_server_settings()
        return wiki

    @classmethod
    def launch(
        cls,
        directory: Path | str,
        port: int | None = None,
        cache_root: Path | None = None,
        timeout: float = 60.0,
    ) -> EmbeddedWiki:
        """Copy the template into ``directory`` and start it on ``port`` (default: a free
        port, retried if another process takes it first)."""
        attempts = 1 if port is not None else 3
        for attempt in range(attempts):
            wiki = cls.from_template(directory, port or free_port(), cache_root)
            try:
                wiki.start(timeout)
                return wiki
            except PortInUseError:
                if attempt == attempts - 1:
                    raise
        raise AssertionError("unreachable")

    def install(self) -> None:
        """Run MediaWiki's installer into ``directory`` (SQLite) and make the result
        relocatable (paths relative to ``LocalSettings.php``, the server URL in
        ``ServerSettings.php``)."""
        ensure_installed()
        self.directory.mkdir(parents=True, exist_ok=True)
        (self.directory / MARKER).write_text("inference_testing.embedded_wiki\n")
        command = [
            "php",
            str(INSTALL_PHP),
            "--dbtype=sqlite",
            f"--dbpath={self.directory / 'data'}",
            "--dbname=wikidb",
            f"--server={self.base_url}",
            f"--scriptpath={SCRIPT_PATH}",
            "--lang=en",
            f"--pass={ADMIN_PASSWORD}",
            f"--confpath={self.directory}",
            SITE_NAME,
            seed_module.ADMIN.name,
        ]
        env = {k: v for k, v in os.environ.items() if k != "MW_CONFIG_FILE"}
        self._run(command, "install.php", env=env, timeout=300)
        if not self.local_settings.exists():
            raise EmbeddedWikiError(f"install.php wrote no {self.local_settings}")
        settings = self.local_settings.read_text()
        settings = re.sub(
            r"^\$wgSQLiteDataDir = .*;$",
            '$wgSQLiteDataDir = __DIR__ . "/data";',
            settings,
            count=1,
            flags=re.M,
        )
        settings = re.sub(
            r"^\$wgServer = .*;$",
            f'require __DIR__ . "/{SERVER_SETTINGS}";',
            settings,
            count=1,
            flags=re.M,
        )
        self.local_settings.write_text(settings + EXTRA_SETTINGS)
        self._write_server_settings()

    def build(self) -> dict[str, Any]:
        """Install and seed a new wiki in ``directory``; return the manifest."""
        started = time.monotonic()
        self.install()
        logger.info("installed MediaWiki in %.1f s", time.monotonic() - started)
        manifest = seed_module.seed_wiki(self.maintenance, self.directory, self.db_path)
        logger.info("seeded the wiki in %.1f s", time.monotonic() - started)
        self._seed = manifest
        return manifest

    def maintenance(self, script: str, *args: str, timeout: float = 600) -> str:
        """Run a MediaWiki maintenance script against this wiki; return its output."""
        command = ["php", str(MAINTENANCE_DIR / script), *args]
        return self._run(command, script, env=self._php_env(), timeout=timeout)

    def _run(self, command: list[str], what: str, env: Mapping[str, str], timeout: float) -> str:
        try:
            result = subprocess.run(
                command,
                cwd=self.directory,
                env=dict(env),
                stdin=subprocess.DEVNULL,
                capture_output=True,
                check=False,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired as exc:
            raise EmbeddedWikiError(
                f"{what} timed out after {timeout} s:\n{tail(exc.stdout or b'')}"
            ) from exc
        output = (result.stdout + result.stderr).decode("utf-8", "replace")
        if result.returncode != 0:
            raise EmbeddedWikiError(f"{what} failed (exit {result.returncode}):\n{tail(output)}")
        return output

    def _php_env(self) -> dict[str, str]:
        return dict(
            os.environ,
            MW_CONFIG_FILE=str(self.local_settings),
            PHP_CLI_SERVER_WORKERS=PHP_WORKERS,
        )

    def _write_server_settings(self) -> None:
        (self.directory / SERVER_SETTINGS).write_text(
            f"<?php\n$wgServer = {json.dumps(self.base_url)};\n"
        )

    # -- serving ------------------------------------------------------------------------

    def start(self, timeout: float = 60.0) -> None:
        """Serve the wiki with ``php -S`` in its own process group and wait until the API
        answers."""
        if self.is_running():
            raise EmbeddedWikiError(f"the wiki in {self.directory} already runs (pid {self.pid})")
        if not port_is_free(self.port, self.host):
            raise PortInUseError(f"port {self.port} on {self.host} is already in use")
        self._write_server_settings()
        docroot = self.directory / DOCROOT
        docroot.mkdir(exist_ok=True)
        link = docroot / SCRIPT_PATH.strip("/")
        if not link.is_symlink():
            link.symlink_to(MEDIAWIKI_DIR, target_is_directory=True)
        command = ["php", "-S", f"{self.host}:{self.port}", "-t", str(docroot)]
        with open(self.log_path, "ab") as log:
            self._process = subprocess.Popen(
                command,
                cwd=self.directory,
                env=self._php_env(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        (self.directory / PID_FILE).write_text(f"{self._process.pid}\n")
        instance = {
            "pid": self._process.pid,
            "host": self.host,
            "port": self.port,
            "base_url": self.base_url,
            "api_url": self.api_url,
        }
        (self.directory / INSTANCE_FILE).write_text(json.dumps(instance, indent=1) + "\n")
        try:
            self.wait_ready(timeout)
        except BaseException:
            self.stop()
            raise
        logger.info("embedded wiki serving %s (pid %s)", self.api_url, self._process.pid)

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Wait until ``meta=siteinfo`` answers; raise with php's output if it does not."""
        deadline = time.monotonic() + timeout
        last_error = "no answer yet"
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                log = self._log_tail()
                error = PortInUseError if "Address already in use" in log else EmbeddedWikiError
                raise error(
                    f"php -S exited with {self._process.returncode} before the API answered:\n"
                    f"{log}"
                )
            try:
                answer = self.api(action="query", meta="siteinfo", timeout=5)
                if "general" in answer.get("query", {}):
                    return
                last_error = f"unexpected answer {str(answer)[:300]}"
            except (OSError, ValueError) as exc:
                last_error = str(exc)
            time.sleep(0.1)
        raise EmbeddedWikiError(
            f"{self.api_url} did not answer within {timeout} s ({last_error}):\n{self._log_tail()}"
        )

    def _log_tail(self) -> str:
        try:
            return tail(self.log_path.read_bytes())
        except OSError:
            return "(no php log)"

    def is_running(self) -> bool:
        """Whether this wiki's php server runs."""
        pid = self.pid
        if pid is None:
            return False
        if self._process is not None:
            return self._process.poll() is None
        return _is_alive(pid) and self._is_our_server(pid)

    def _is_our_server(self, pid: int) -> bool:
        """Whether ``pid`` is a ``php -S`` serving this wiki's address (pid files can go
        stale and pids are reused)."""
        args = _cmdline(pid)
        return bool(args) and "php" in Path(args[0]).name and f"{self.host}:{self.port}" in args

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the php server and its workers (SIGTERM to the process group, SIGKILL after
        ``timeout``); remove the pid files. Does nothing if it is not running."""
        pid = self.pid
        if pid is not None and (self._process is not None or self._is_our_server(pid)):
            self._signal_group(pid, signal.SIGTERM)
            if not self._wait_stopped(pid, timeout):
                self._signal_group(pid, signal.SIGKILL)
                if not self._wait_stopped(pid, timeout):
                    raise EmbeddedWikiError(f"php server {pid} did not stop after SIGKILL")
        self._process = None
        for name in (PID_FILE, INSTANCE_FILE):
            (self.directory / name).unlink(missing_ok=True)

    @staticmethod
    def _signal_group(pgid: int, signum: int) -> None:
        try:
            os.killpg(pgid, signum)
        except ProcessLookupError:
            pass

    def _wait_stopped(self, pgid: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process is not None:
                self._process.poll()  # reap our child
            if not _group_alive(pgid):
                return True
            time.sleep(0.05)
        return False

    def __enter__(self) -> EmbeddedWiki:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # -- API --------------------------------------------------------------------------

    def api(self, timeout: float = 30.0, **params: Any) -> dict[str, Any]:
        """One GET request to the Action API (``format=json&formatversion=2``)."""
        query = {"format": "json", "formatversion": "2", **params}
        url = f"{self.api_url}?{urllib.parse.urlencode(query)}"
        request = urllib.request.Request(url, headers={"User-Agent": "embedded-wiki/0.1"})
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read().decode("utf-8"))


__all__ = [
    "DEFAULT_PORT",
    "EmbeddedWiki",
    "EmbeddedWikiError",
    "PortInUseError",
    "default_cache_root",
    "ensure_installed",
    "ensure_template",
    "free_port",
    "missing_requirements",
    "seed_fingerprint",
]
