"""County models solve in fresh worker processes that cannot hang a run or outlive it.

The worker functions below are module-level so spawned workers can import them from this file.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from layoutsim import cluster
from layoutsim.errors import LayoutsimError
from layoutsim.locate import p_median
from layoutsim.optimize import planner
from layoutsim.optimize.inputs import county_problems
from layoutsim.optimize.result import has_plan
from test_optimize import book, cfg, reach, two_counties

HERE = Path(__file__).resolve().parent


def _hang_in_410002(pb, config, log_dir):
    if pb.county == "410002":
        time.sleep(3600)
    return planner._solve_one(pb, config, log_dir)


def _die_in_410002(pb, config, log_dir):
    if pb.county == "410002":
        os._exit(1)
    return planner._solve_one(pb, config, log_dir)


def _slow_410001_and_410002_dies(pb, config, log_dir):
    """410002's worker dies while 410001 is still solving in the other worker of the same pool."""
    time.sleep(4 if pb.county == "410001" else 1)
    return _die_in_410002(pb, config, log_dir)


def _raise_in_410002(pb, config, log_dir):
    if pb.county == "410002":
        raise MemoryError("no room for the model")
    return planner._solve_one(pb, config, log_dir)


def _problems(**kw):
    reg, pup = two_counties()
    config = cfg(**{"max_added_classes": 0, "workers": 2, "time_limit_s": 1, **kw})
    return county_problems(reg, pup, book(), config, reach(), 2025), config


def test_workers_solve_after_the_parent_ran_highs() -> None:
    """The parent solves a HiGHS model first; forked workers then hung for ever in HiGHS's thread pool."""
    assert p_median([[0.0, 1.0], [1.0, 0.0]], [1.0, 1.0], p=1).status == "optimal"
    problems, config = _problems()
    solutions = planner._solve_all(problems, config)
    assert [s.status for s in solutions] == ["optimal", "optimal"]


def test_a_hung_county_is_reported_failed_and_the_others_solved(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(planner, "HANG_MARGIN_S", 4.0)
    problems, config = _problems()
    t0 = time.monotonic()
    solutions = planner._solve_all(problems, config, solve=_hang_in_410002)
    assert time.monotonic() - t0 < 60
    status = dict(zip([pb.county for pb in problems], [s.status for s in solutions]))
    assert status["410001"] == "optimal"
    assert status["410002"] == "failed" and not has_plan(status["410002"])
    assert solutions[1].message.startswith("no answer from its worker")
    assert solutions[1].unmet.sum() == pytest.approx(problems[1].demand.sum())


def test_a_county_whose_worker_dies_is_reported_failed() -> None:
    problems, config = _problems()
    solutions = planner._solve_all(problems, config, solve=_die_in_410002)
    assert solutions[0].status == "optimal"
    assert solutions[1].status == "failed" and "died" in solutions[1].message


def test_a_dying_worker_does_not_fail_the_county_beside_it() -> None:
    problems, config = _problems()
    solutions = planner._solve_all(problems, config, solve=_slow_410001_and_410002_dies)
    assert [s.status for s in solutions] == ["optimal", "failed"]


def _slow(pb, config, log_dir):
    time.sleep(3)
    return planner._solve_one(pb, config, log_dir)


def test_a_worker_killed_mid_run_is_replaced_and_the_run_completes() -> None:
    """kill -9 of a worker while both counties are being solved: its county is solved again elsewhere."""
    problems, config = _problems()
    client = cluster.client(cluster.engine_of(config))
    client.wait_for_workers(2, timeout=60)  # an earlier test may have had them restarted
    pids = client.run(os.getpid)  # worker address -> process id
    victim = sorted(pids.values())[0]
    killer = threading.Timer(1.5, os.kill, (victim, signal.SIGKILL))
    killer.start()
    solutions = planner._solve_all(problems, config, solve=_slow)
    killer.join()
    assert [s.status for s in solutions] == ["optimal", "optimal"]
    assert victim not in client.run(os.getpid).values()  # the dead worker was replaced


def test_an_unreachable_scheduler_or_a_wrong_address_is_a_clear_error(monkeypatch: pytest.MonkeyPatch,
                                                                       tmp_path: Path,
                                                                       capsys: pytest.CaptureFixture) -> None:
    monkeypatch.setattr(cluster, "CONNECT_TIMEOUT_S", 2)
    with pytest.raises(LayoutsimError, match="cannot reach the Dask scheduler at tcp://127.0.0.1:9"):
        cluster.client(cluster.Engine(scheduler="tcp://127.0.0.1:9"))
    from layoutsim.cli import main

    scenario = str(Path(__file__).resolve().parents[1] / "scenarios" / "beiguan" / "baseline.toml")
    assert main(["run", scenario, "--out", str(tmp_path / "out"), "--scheduler", "http://10.0.0.5:8786"]) == 2
    assert not (tmp_path / "out").exists()
    assert "not a Dask scheduler's address" in capsys.readouterr().err


@pytest.mark.parametrize("workers", [1, 2])
def test_a_county_whose_solve_raises_fails_alone(workers: int) -> None:
    problems, config = _problems(workers=workers)
    solutions = planner._solve_all(problems, config, solve=_raise_in_410002)
    assert [s.status for s in solutions] == ["optimal", "failed"]
    assert "no room for the model" in solutions[1].message


SCRIPT = textwrap.dedent("""
    import signal, sys, time
    sys.path.insert(0, {here!r})
    from layoutsim import cli
    from layoutsim.io import atomic_dir
    from layoutsim.optimize import planner
    import test_workers as tw
    signal.signal(signal.SIGTERM, cli._terminate)
    problems, config = tw._problems()
    with atomic_dir({out!r}) as tmp:
        print("solving", flush=True)
        planner._solve_all(problems, config, solve=tw._hang_in_410002)
""")


def _children(pid: int) -> set[int]:
    kids = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            kids.add(int(stat.parent.name))
    return kids


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_killing_the_run_leaves_no_worker_and_no_half_folder(tmp_path: Path, sig: int) -> None:
    out = tmp_path / "out"
    with subprocess.Popen([sys.executable, "-c", SCRIPT.format(here=str(HERE), out=str(out))],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as proc:
        assert proc.stdout.readline().strip() == "solving", proc.stderr.read()
        time.sleep(3)  # both workers inside their county
        workers = _children(proc.pid)
        assert len(workers) >= 2  # two solver workers (and spawn's resource tracker)
        proc.send_signal(sig)
        proc.wait(timeout=30)
    deadline = time.monotonic() + 20
    while any(_alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [w for w in workers if _alive(w)]
    if sig == signal.SIGTERM:  # a clean stop: the half-written folder is gone
        assert not list(tmp_path.iterdir())
    else:  # kill -9 leaves it; the next run into the same place removes it
        assert [p.name.startswith(".out.partial-") for p in tmp_path.iterdir()] == [True]
        from layoutsim.io import atomic_dir

        with atomic_dir(out) as tmp:
            (tmp / "x.txt").write_text("x")
        assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
