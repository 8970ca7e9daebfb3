"""A file that takes too long is abandoned with a SKW999, the others are still linted, and the
verdict is not cached (it says something about this run's limit and load, not about the file)."""
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpers import FIXTURES
from skewlint.run import deadline

SCRIPT = shutil.which("skewlint", path=str(Path(sys.executable).parent)) or shutil.which("skewlint")
BUGGY = "import torch\nmodel = torch.hub.load('x', 'y')\nmodel.eval\n"


def slow_file(path: Path) -> None:
    """About 1 MB of real-looking code (under the 2 MB limit): some seconds of work."""
    body = (FIXTURES / "model_mode" / "skw101_102_class_trainer.py").read_text(encoding="utf-8")
    path.write_text(body * (2**20 // len(body)), encoding="utf-8")


@pytest.mark.slow
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_slow_file_is_abandoned_and_not_cached(tmp_path, jobs):
    slow_file(tmp_path / "slow.py")
    (tmp_path / "quick.py").write_text(BUGGY, encoding="utf-8")
    env = {**os.environ, deadline.ENV: "0.5"}
    for attempt in range(2):
        started = time.monotonic()
        result = subprocess.run([SCRIPT, "check", "-v", "--jobs", jobs, "."], cwd=tmp_path, capture_output=True,
                                text=True, timeout=120, env=env)
        assert time.monotonic() - started < 30
        assert result.returncode == 1, result.stderr
        lines = result.stdout.splitlines()
        assert "slow.py:1:1: SKW999 not linted: it took longer than 0.5 s" in lines[-3], lines
        assert any(line.startswith("quick.py:3:1: SKW103") for line in lines)
        cache_line = next(l for l in result.stderr.splitlines() if l.startswith("skewlint: cache:"))
        # quick.py is reused on the second run; slow.py is linted again both times
        assert cache_line == f"skewlint: cache: {attempt} reused, {2 - attempt} linted again"


def test_limit_interrupts_a_busy_loop_and_restores_the_handler():
    previous = signal.getsignal(signal.SIGALRM)
    with pytest.raises(deadline.TimeUp):
        with deadline.limit(0.2):
            while True:
                pass
    assert signal.getsignal(signal.SIGALRM) is previous
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_limit_leaves_someone_elses_timer_alone():
    fired = []
    previous = signal.signal(signal.SIGALRM, lambda *a: fired.append(1))
    try:
        signal.setitimer(signal.ITIMER_REAL, 5)
        with deadline.limit(0.1):
            time.sleep(0.3)  # no TimeUp: the outer timer is not ours to replace
        assert signal.getitimer(signal.ITIMER_REAL)[0] > 0
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_the_limit_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv(deadline.ENV, "2.5")
    assert deadline.seconds() == 2.5
    monkeypatch.setenv(deadline.ENV, "soon")
    assert deadline.seconds() == deadline.DEFAULT_SECONDS
    monkeypatch.delenv(deadline.ENV)
    assert deadline.seconds() == deadline.DEFAULT_SECONDS


def test_the_limit_can_strike_inside_libcsts_position_pass(monkeypatch, tmp_path):
    """Struck inside libcst's position pass, TimeUp came out as a KeyError from a context manager's
    `__exit__` (12 of 40 random limits crashed a run): whatever the moment, the result is the SKW999."""
    from skewlint.run import engine

    body = (FIXTURES / "model_mode" / "skw101_102_class_trainer.py").read_text(encoding="utf-8")
    text = body * (200_000 // len(body))
    real = engine._locate
    monkeypatch.setenv(deadline.ENV, "100")
    for delay in (0.02, 0.1):
        def locate_then_strike(*args, delay=delay):
            signal.setitimer(signal.ITIMER_REAL, delay)  # the limit's timer, now due in the position pass
            return real(*args)

        monkeypatch.setattr(engine, "_locate", locate_then_strike)
        (diagnostic,) = engine.lint_text(text, "slow.py", ENABLED).diagnostics
        assert diagnostic.message.startswith("not linted: it took longer than 100 s")


ENABLED = __import__("skewlint.registry", fromlist=["registry"]).registry().select([{"select": ["ALL"]}])
