"""Where county work runs: in this process, on a dask.distributed ``LocalCluster``, or on an existing cluster.

A county is the unit of work (一县一策): a plan, a province or a sweep is a map of one function over
counties. :func:`map_counties` runs it

- in this process when there is one task, or ``workers = 1`` and no scheduler (tests, debugging);
- on a ``LocalCluster`` of ``workers`` single-threaded worker processes otherwise, started once per run
  (spawned, never forked: a fork of a process that has run HiGHS hangs in its thread pool) and dying with it;
- on an existing cluster when a scheduler address is given (``--scheduler tcp://host:8786`` or
  ``[plan] scheduler``); its workers need layoutsim installed at the same version (README).

Results come back in the order of the tasks whatever ran them, so the outputs do not depend on the engine.
A worker that dies mid-county (out of memory, killed) is replaced and the county tried once more; a county
whose worker dies twice, whose function raises, or that runs past ``hang_s`` comes back as a
:class:`Failure` with its reason, and the other counties' results still come back.
"""
from __future__ import annotations

import atexit
import logging
import os
import signal
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import dask
from distributed import Client, KilledWorker, LocalCluster, WorkerPlugin

from layoutsim.config.plan import PlanConfig
from layoutsim.errors import LayoutsimError
from layoutsim.terminal import STDERR

log = logging.getLogger(__name__)

#: Deaths of a worker a county may cause before it is reported failed (the scheduler's allowed-failures:
#: the first death is retried, the second is final).
ALLOWED_DEATHS = 1

PR_SET_PDEATHSIG = 1  # linux/prctl.h

#: Seconds to wait for an existing cluster's scheduler to answer.
CONNECT_TIMEOUT_S = 20

#: Seconds between looks at the tasks (ended? hung?).
POLL_S = 0.25


@dataclass(frozen=True)
class Failure:
    """A task that gave no result: why, and after how many seconds."""

    reason: str
    seconds: float


@dataclass(frozen=True)
class Engine:
    """Where to run: ``workers`` local processes, or the cluster whose scheduler is at ``scheduler``."""

    workers: int = 1
    scheduler: str | None = None

    @property
    def local(self) -> bool:
        """In this process (no cluster at all)."""
        return self.scheduler is None and self.workers <= 1


def engine_of(config: PlanConfig) -> Engine:
    """Where the county work of a scenario runs: its ``[plan] workers`` (default one per core) or its
    ``[plan] scheduler``."""
    return Engine(workers=config.workers or default_workers(), scheduler=config.scheduler)


def default_workers() -> int:
    """A LocalCluster sized to the machine: one single-threaded worker per core."""
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


_CLIENTS: dict[Engine, Any] = {}


def client(engine: Engine) -> Any:
    """The run's dask client for ``engine``, started on first use and closed when the run ends."""
    if engine in _CLIENTS:
        return _CLIENTS[engine]
    if not log.isEnabledFor(logging.INFO):  # dask's own notes (workers starting, closing) only under --verbose
        logging.getLogger("distributed").setLevel(logging.ERROR)
    # one county per single-threaded worker at a time (saturation 1.0): what a worker is processing is
    # what it is running, so the hang watch times only running counties and a restart stops only the hung one
    with dask.config.set({"distributed.scheduler.allowed-failures": ALLOWED_DEATHS,
                          "distributed.scheduler.worker-saturation": 1.0,
                          # dask's sampling profiler takes a core's share from the solver: off
                          "distributed.worker.profile.enabled": False,
                          "distributed.worker.multiprocessing-method": "spawn",
                          "distributed.worker.daemon": True}):
        if engine.scheduler is not None:
            cl = _connect(engine.scheduler)
        else:
            cluster = LocalCluster(n_workers=engine.workers, threads_per_worker=1, processes=True,
                                   dashboard_address="127.0.0.1:0", silence_logs=logging.ERROR, memory_limit=0)
            cl = Client(cluster, set_as_default=False)
            cl.register_plugin(_DieWithParent(), name="layoutsim-die-with-parent")
    _CLIENTS[engine] = cl
    return cl


def _connect(address: str) -> Any:
    """A client of the existing cluster at ``address``, with a worker; its dashboard's link on the log."""
    hint = ["start one with `dask scheduler` and workers with `dask worker <address> --nthreads 1`, or leave "
            "out --scheduler to run on this machine"]
    try:
        cl = Client(address, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
    except (OSError, ValueError, TypeError) as exc:
        raise LayoutsimError(f"cannot reach the Dask scheduler at {address}: {exc}", hint) from None
    try:
        cl.wait_for_workers(1, timeout=CONNECT_TIMEOUT_S)
    except (OSError, TimeoutError) as exc:
        cl.close()
        raise LayoutsimError(f"the Dask scheduler at {address} has no worker (waited {CONNECT_TIMEOUT_S} s): "
                             f"{exc}", hint) from None
    try:
        log.warning("Dask dashboard: %s", cl.dashboard_link)
    except (KeyError, AttributeError):  # a scheduler started without a dashboard
        pass
    return cl


def close_all() -> None:
    """Close every client this process started (and the LocalClusters behind them)."""
    while _CLIENTS:
        _, cl = _CLIENTS.popitem()
        cluster = cl.cluster
        try:
            cl.close(timeout=10)
            if cluster is not None:
                cluster.close(timeout=10)
        except Exception:  # noqa: BLE001 - closing on the way out: nothing left to tell
            pass


atexit.register(close_all)


def die_with_parent() -> None:
    """On Linux, the kernel kills the worker when its parent dies (even by kill -9).

    The worker also leads its own process group, so whoever stops it can stop a CBC it started too.
    """
    if hasattr(os, "setsid"):
        os.setsid()
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() == 1:  # the parent died before the line above
            os._exit(1)


class _DieWithParent(WorkerPlugin):
    """A LocalCluster's workers die with the run, even when it is killed with -9 (:func:`die_with_parent`)."""

    idempotent = True

    def setup(self, worker: Any) -> None:
        die_with_parent()


def map_counties(fn: Callable[..., Any], tasks: Sequence[tuple], *, names: Sequence[str], engine: Engine,
                 hang_s: float, order: Sequence[int] | None = None, label: str = "counties") -> list[Any]:
    """``fn(*task)`` for each task, in task order; a task that gave nothing is a :class:`Failure`.

    ``names`` label the tasks (the county code) in logs and failures; ``order`` is the order to start them
    in (largest first, so workers finish together); ``label`` names the progress bar (shown on standard
    error when it is a terminal, one step per county).
    In this process only a :class:`LayoutsimError` or ``MemoryError`` of a task is its failure (anything
    else is a bug and stops the run); on a cluster any exception of a task is.
    """
    order = list(order) if order is not None else list(range(len(tasks)))
    with _bar(label, len(tasks)) as step:
        if engine.local or len(tasks) <= 1 and engine.scheduler is None:
            return [_here(fn, task, name, step) for task, name in zip(tasks, names)]
        return _on_cluster(fn, tasks, names, engine, hang_s, order, step)


@contextmanager
def _bar(label: str, total: int) -> Iterator[Callable[[str], None]]:
    """A rich progress bar on standard error that steps once per county; nothing when it is not a terminal."""
    if total <= 1 or not sys.stderr.isatty():
        yield lambda name: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TextColumn("{task.fields[last]}"), console=STDERR, transient=True) as bar:
        task = bar.add_task(label, total=total, last="")
        yield lambda name: bar.update(task, advance=1, last=name)


def _here(fn: Callable[..., Any], task: tuple, name: str, progress: Callable[[str], None]) -> Any:
    t0 = time.monotonic()
    try:
        out = fn(*task)
    except (LayoutsimError, MemoryError) as exc:
        out = Failure(str(exc) or type(exc).__name__, time.monotonic() - t0)
    progress(name)
    return out


def _on_cluster(fn: Callable[..., Any], tasks: Sequence[tuple], names: Sequence[str], engine: Engine,
                hang_s: float, order: list[int], progress: Callable[[str], None]) -> list[Any]:
    cl = client(engine)
    futures = {cl.submit(fn, *tasks[i], priority=len(order) - rank, key=f"county-{names[i]}-{os.urandom(6).hex()}"): i
               for rank, i in enumerate(order)}
    try:
        return _gather(cl, futures, names, hang_s, progress)
    except BaseException:  # interrupted (Ctrl-C, SIGTERM) or failed here: stop the counties still running
        cl.cancel(list(futures), force=True)
        raise


def _gather(cl: Any, futures: dict, names: Sequence[str], hang_s: float,
            progress: Callable[[str], None]) -> list[Any]:
    """The tasks' outcomes in task order, as they end (see :func:`_watch` for the hung ones)."""
    done: dict[int, Any] = {}
    started: dict[str, float] = {}
    pending = set(futures)
    t0 = time.monotonic()
    while pending:
        time.sleep(POLL_S)
        finished = {fut for fut in pending if fut.done()}
        pending -= finished
        now = time.monotonic()
        for fut in finished:
            i = futures[fut]
            done[i] = _outcome(fut, now - started.get(fut.key, t0))
            progress(names[i])
        if pending:
            pending = _watch(cl, pending, futures, started, done, now, hang_s, names, progress)
    return [done[i] for i in range(len(futures))]


def _outcome(fut: Any, seconds: float) -> Any:
    """The task's result, or why there is none."""
    try:
        return fut.result()
    except KilledWorker:
        return Failure("the worker solving it died, and again when it was tried once more (out of memory or "
                       "killed)", seconds)
    except Exception as exc:  # noqa: BLE001 - the task's own failure: the others go on
        return Failure(f"{type(exc).__name__}: {exc}", seconds)


def _watch(cl: Any, pending: set, futures: dict, started: dict[str, float], done: dict[int, Any], now: float,
           hang_s: float, names: Sequence[str], progress: Callable[[str], None]) -> set:
    """Note when each task started on a worker; give up on one running past ``hang_s`` (its worker is
    restarted, which stops a hung solver) and return the tasks still pending."""
    running = {key: addr for addr, keys in cl.processing().items() for key in keys}
    by_key = {fut.key: fut for fut in pending}
    for key in running:
        started.setdefault(key, now)
    hung = [by_key[k] for k in running if k in by_key and now - started[k] > hang_s]
    for fut in hung:
        i = futures[fut]
        done[i] = Failure(f"no answer from its worker in {hang_s:.0f} s (the solver hung)", now - started[fut.key])
        fut.cancel()
        progress(names[i])
    if hung:
        try:
            cl.restart_workers([running[f.key] for f in hung], raise_for_error=False)
        except Exception as exc:  # noqa: BLE001 - an external cluster may refuse; the county is failed anyway
            log.warning("could not restart a hung worker: %s", exc)
    return pending - set(hung)
