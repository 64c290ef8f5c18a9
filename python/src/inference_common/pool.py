"""A process pool for CPU-bound work that survives a crashed worker.

Work crosses the process boundary as plain data and a module-level function; the model is
never pickled per call: what workers need is loaded once, by ``initializer``.

Workers share what was loaded (start method ``"preload"``, the default): the pool starts a
*fork server* of its own that runs ``initializer(*initargs)`` once, freezes the garbage
collector (``gc.freeze``: collections then leave those objects', and so their pages', headers
alone) and forks every worker from itself, so imports, estimators, dictionaries and vectors
are copy-on-write pages shared by all workers, and a replacement worker is a fork too. The
fork server is itself forked from this process when this process has no other thread (a
server builds its pool before its event loop starts: the fork server then shares this
process's imports as well); with other threads running, forking is unsafe and the fork
server is a fresh interpreter instead. Either way workers are never forked from a process
with threads. If the initializer fails in the fork server, each worker runs it again itself
(and fails as it would have). ``start_method="spawn"`` gives every worker an interpreter of
its own that runs the initializer (no sharing).

If a worker dies (killed, out of memory, segfault), the requests the pool held then get
:class:`WorkerCrashed` and the pool is replaced, so the next requests succeed (a worker that
died while the pool held no request costs no request).
"""

from __future__ import annotations

import asyncio
import gc
import io
import logging
import multiprocessing
import os
import pickle
import signal
import socket
import sys
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import connection, forkserver, popen_forkserver, reduction
from multiprocessing import resource_tracker, spawn, util
from multiprocessing.context import ForkServerContext, set_spawning_popen
from multiprocessing.process import BaseProcess
from typing import Any, Callable, TypeVar

from .errors import WorkerCrashed

logger = logging.getLogger(__name__)

T = TypeVar("T")


class ProcessPool:
    """``await pool.run(fn, *args)`` runs ``fn(*args)`` in a worker process."""

    def __init__(
        self,
        workers: int,
        *,
        initializer: Callable[..., None] | None = None,
        initargs: tuple[Any, ...] = (),
        start_method: str = "preload",
    ) -> None:
        if workers < 1:
            raise ValueError("a process pool needs at least one worker")
        self.workers = workers
        self._initializer = initializer
        self._initargs = initargs
        self._zygote: _ForkServer | None = None
        self._context: Any
        if start_method == "preload":
            self._zygote = _ForkServer(initializer, initargs)
            self._zygote.ensure_running()
            self._context = _PreloadContext(self._zygote)
        else:
            self._context = multiprocessing.get_context(start_method)
        self._executor = self._new_executor()
        self._generation = 0

    def _new_executor(self) -> ProcessPoolExecutor:
        if self._zygote is not None:
            # the fork server ran the initializer; a worker runs it only if that failed
            return ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=self._context,
                initializer=_init_unless_preloaded,
                initargs=(self._initializer, self._initargs),
            )
        return ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=self._context,
            initializer=self._initializer,
            initargs=self._initargs,
        )

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        generation, future = self._submit(fn, *args)
        try:
            return await asyncio.wrap_future(future)
        except BrokenProcessPool:
            self._replace(generation)
            raise WorkerCrashed(
                "a worker process died while handling this request; it has been replaced"
            ) from None

    def _submit(self, fn: Callable[..., T], *args: Any) -> tuple[int, Future[T]]:
        """Hand ``fn(*args)`` to the executor. One that broke while idle (a worker died
        between requests) held no request: it is replaced and this one goes to the new."""
        generation = self._generation
        try:
            return generation, self._executor.submit(fn, *args)
        except BrokenProcessPool:
            self._replace(generation)
            return self._generation, self._executor.submit(fn, *args)

    def _replace(self, generation: int) -> None:
        # Many requests see the same broken pool; only the first replaces it.
        if generation != self._generation:
            return
        logger.error("process pool broken; starting a new one with %d workers", self.workers)
        old = self._executor
        self._generation += 1
        self._executor = self._new_executor()
        # A worker that the old executor was still spawning when another one died is not
        # terminated by its own clean-up (CPython 3.11 registers it after terminating the
        # others), and the old executor's manager thread then waits for it forever, and
        # with it the interpreter's exit. Kill whatever the old executor still has.
        leftover = list((getattr(old, "_processes", None) or {}).values())
        old.shutdown(wait=False, cancel_futures=True)
        for process in leftover:
            if process.is_alive():
                process.kill()

    def call(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` in a worker, blocking (at start, before the event loop serves)."""
        generation, future = self._submit(fn, *args)
        try:
            return future.result()
        except BrokenProcessPool:
            self._replace(generation)
            raise WorkerCrashed("a worker process died before answering") from None

    def warm_up(self) -> None:
        """Start every worker now (running the initializer), not on the first request."""
        futures = [self._executor.submit(_noop) for _ in range(self.workers * 2)]
        for future in futures:
            future.result()

    def worker_pids(self) -> list[int]:
        processes = getattr(self._executor, "_processes", None) or {}
        return list(processes.keys())

    def server_pid(self) -> int | None:
        """The fork server's process id (start method ``"preload"``), else None."""
        return self._zygote.pid if self._zygote is not None else None

    def shutdown(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)
        if self._zygote is not None:
            self._zygote.stop()


def _noop() -> None:
    return None


# -- the preloading fork server ---------------------------------------------------------------

# True in a fork server (and so in its workers) whose initializer succeeded.
_PRELOADED = False


def _init_unless_preloaded(initializer: Callable[..., None] | None, initargs: tuple) -> None:
    if initializer is not None and not _PRELOADED:
        initializer(*initargs)


def _serve_forks(
    listener_fd: int, alive_r: int, initializer: Callable[..., None] | None, initargs: tuple
) -> None:
    """The fork server's life: load once, freeze, then fork a worker per request (the
    standard library's fork server loop, which also reports each worker's exit)."""
    global _PRELOADED
    try:
        if initializer is not None:
            initializer(*initargs)
        _PRELOADED = True
    except BaseException:  # the workers run it again and fail as they would have
        logger.exception("process pool: the initializer failed in the fork server")
    gc.freeze()
    forkserver.main(listener_fd, alive_r, [])


def _exec_main(listener_fd: int, alive_r: int, payload: str) -> None:
    """Entry point of a fork server started as a fresh interpreter."""
    path, initializer, initargs = pickle.loads(bytes.fromhex(payload))
    sys.path[:] = path
    _serve_forks(listener_fd, alive_r, initializer, initargs)


class _ForkServer:
    """One pool's fork server: a process that loaded once and forks workers on request
    (the standard library's fork server protocol, with its own process and socket)."""

    def __init__(self, initializer: Callable[..., None] | None, initargs: tuple) -> None:
        self._initializer = initializer
        self._initargs = initargs
        self._lock = threading.Lock()
        self.pid: int | None = None
        self._address: Any = None
        self._alive_w: int | None = None

    def ensure_running(self) -> None:
        with self._lock:
            resource_tracker.ensure_running()
            if self.pid is not None:
                pid, _ = os.waitpid(self.pid, os.WNOHANG)
                if not pid:
                    return
                logger.error("process pool: the fork server died; starting a new one")
                self._forget()
            self._start()

    def _start(self) -> None:
        with socket.socket(socket.AF_UNIX) as listener:
            address = connection.arbitrary_address("AF_UNIX")
            listener.bind(address)
            if not util.is_abstract_socket_namespace(address):
                os.chmod(address, 0o600)
            listener.listen()
            alive_r, alive_w = os.pipe()
            try:
                if threading.active_count() == 1:
                    # no other thread holds a lock: the fork shares this process's pages
                    gc.collect()
                    gc.freeze()
                    pid = os.fork()
                    if pid == 0:  # pragma: no cover (the fork server; never returns)
                        code = 0
                        try:
                            os.close(alive_w)
                            _serve_forks(
                                listener.fileno(), alive_r, self._initializer, self._initargs
                            )
                        except SystemExit:
                            pass
                        except BaseException:
                            code = 1
                        finally:
                            os._exit(code)
                else:
                    payload = pickle.dumps((sys.path, self._initializer, self._initargs)).hex()
                    command = (
                        f"import sys; sys.path[:0] = {sys.path!r}; "
                        "from inference_common.pool import _exec_main; "
                        f"_exec_main({listener.fileno()}, {alive_r}, {payload!r})"
                    )
                    executable = spawn.get_executable()
                    args = [executable, *util._args_from_interpreter_flags(), "-c", command]
                    pid = util.spawnv_passfds(executable, args, [listener.fileno(), alive_r])
            except BaseException:
                os.close(alive_w)
                raise
            finally:
                os.close(alive_r)
        self.pid, self._address, self._alive_w = pid, address, alive_w

    def connect(self, fds: list[int]) -> tuple[int, int]:
        """Ask for a new worker: the pipes to read its pid and exit code, and to write its
        preparation data and process object to (as the standard fork server does)."""
        self.ensure_running()
        if len(fds) + 4 >= forkserver.MAXFDS_TO_SEND:
            raise ValueError("too many fds")
        with socket.socket(socket.AF_UNIX) as client:
            client.connect(self._address)
            parent_r, child_w = os.pipe()
            child_r, parent_w = os.pipe()
            try:
                passed = [child_r, child_w, self._alive_w, resource_tracker.getfd(), *fds]
                reduction.sendfds(client, passed)
                return parent_r, parent_w
            except BaseException:
                os.close(parent_r)
                os.close(parent_w)
                raise
            finally:
                os.close(child_r)
                os.close(child_w)

    def restart(self, seen: int | None) -> None:
        """Replace the fork server ``seen`` (unless another caller already did)."""
        with self._lock:
            if self.pid is not None and self.pid == seen:
                logger.error("process pool: the fork server does not answer; starting a new one")
                self._kill()
                self._forget()
        self.ensure_running()

    def _kill(self) -> None:
        try:
            os.kill(self.pid, signal.SIGKILL)  # type: ignore[arg-type]
            os.waitpid(self.pid, 0)  # type: ignore[arg-type]
        except (ProcessLookupError, ChildProcessError):
            pass

    def _forget(self) -> None:
        if self._alive_w is not None:
            os.close(self._alive_w)
        if self._address and not util.is_abstract_socket_namespace(self._address):
            try:
                os.unlink(self._address)
            except OSError:
                pass
        self.pid, self._address, self._alive_w = None, None, None

    def stop(self) -> None:
        with self._lock:
            if self.pid is None:
                return
            self._kill()
            self._forget()


class _PreloadPopen(popen_forkserver.Popen):
    """A worker forked by its pool's fork server."""

    def _launch(self, process_obj: Any) -> None:
        data = io.BytesIO()
        set_spawning_popen(self)
        try:
            reduction.dump(spawn.get_preparation_data(process_obj._name), data)
            reduction.dump(process_obj, data)
        finally:
            set_spawning_popen(None)
        server = process_obj._fork_server
        seen = server.pid
        try:
            self._fork(server, data)
        except (OSError, EOFError):
            # the fork server died (and was not yet reaped when asked): a new one, once
            server.restart(seen)
            self._fork(server, data)

    def _fork(self, server: _ForkServer, data: io.BytesIO) -> None:
        self.sentinel, write_end = server.connect(self._fds)
        # as the standard fork server's Popen: the write end's duplicate is the child's
        # sentinel of its parent
        parent_w = os.dup(write_end)
        self.finalizer = util.Finalize(self, util.close_fds, (parent_w, self.sentinel))
        with open(write_end, "wb", closefd=True) as handle:
            handle.write(data.getbuffer())
        self.pid = forkserver.read_signed(self.sentinel)


class _PreloadProcess(BaseProcess):
    _start_method = "forkserver"
    _fork_server: _ForkServer | None = None

    @staticmethod
    def _Popen(process_obj: Any) -> _PreloadPopen:
        return _PreloadPopen(process_obj)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("_fork_server", None)  # the parent's handle stays in the parent
        return state


class _PreloadContext(ForkServerContext):
    """A multiprocessing context whose processes come from one :class:`_ForkServer`."""

    def __init__(self, server: _ForkServer) -> None:
        super().__init__()
        self._server = server

    def Process(self, *args: Any, **kwargs: Any) -> _PreloadProcess:  # type: ignore[override]
        made = _PreloadProcess(*args, **kwargs)
        made._fork_server = self._server
        return made
