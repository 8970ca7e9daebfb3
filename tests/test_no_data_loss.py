"""No data loss: without --fix no file in the project is written (the cache lives elsewhere here),
with --fix only the fixed files; an interrupted run exits 130 (SIGINT) or 143 (SIGTERM) and leaves
no partial report, output or baseline file, nor a temporary one; and it stops within a second."""
import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpers import FIXTURES

pytestmark = pytest.mark.slow  # every test runs the console script

SCRIPT = shutil.which("skewlint", path=str(Path(sys.executable).parent)) or shutil.which("skewlint")


def snapshot(root: Path) -> dict:
    return {str(p.relative_to(root)): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
            for p in sorted(root.rglob("*")) if p.is_file()}


def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(FIXTURES, root)
    return root


@pytest.mark.parametrize("args", [
    [],
    ["--output-format", "json"],
    ["--statistics"],
    ["--diff"],
    ["--select", "ALL", "--output-format", "sarif"],
])
def test_a_check_without_fix_writes_nothing(tmp_path, args):
    root = project(tmp_path)
    before = snapshot(root)
    result = subprocess.run([SCRIPT, "check", *args, "--cache-dir", str(tmp_path / "cache"), "."], cwd=root,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 1, result.stderr
    assert snapshot(root) == before


def test_fix_writes_only_the_files_it_fixes(tmp_path):
    root = project(tmp_path)
    before = snapshot(root)
    result = subprocess.run([SCRIPT, "check", "--fix", "--no-cache", "."], cwd=root, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode in (0, 1), result.stderr
    after = snapshot(root)
    assert set(after) == set(before)  # nothing created (no temporary left), nothing deleted
    changed = {name for name in before if after[name] != before[name]}
    assert changed, "the fixtures have fixable findings"
    fixed = subprocess.run([SCRIPT, "check", "--diff", "--no-cache", "."], cwd=root, capture_output=True,
                           text=True, timeout=300)
    assert fixed.stdout == ""  # every changed file was changed by a fix, and is now fixed


def slow_project(root: Path, files: int = 150) -> None:
    """Enough work for a few seconds of linting, so the signal lands in the middle of it."""
    body = (FIXTURES / "model_mode" / "skw101_102_class_trainer.py").read_text(encoding="utf-8")
    root.mkdir()
    for i in range(files):
        (root / f"m{i:03d}.py").write_text(body * 8, encoding="utf-8")


@pytest.mark.parametrize("sig, status", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_interrupted_run_leaves_no_partial_file(tmp_path, sig, status, jobs):
    root = tmp_path / "project"
    slow_project(root)
    before = snapshot(root)
    out = tmp_path / "out"
    out.mkdir()
    process = subprocess.Popen(
        [SCRIPT, "check", "-v", "--no-cache", "--jobs", jobs, "-o", str(out / "report.txt"),
         "--report", f"sarif:{out / 'report.sarif'}", "--write-baseline", str(out / "baseline.json"), "."],
        cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    process.stderr.readline()  # "skewlint: checking ...": the run has started
    time.sleep(1.0)
    assert process.poll() is None, "the run ended before it could be interrupted"
    process.send_signal(sig)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == status, stderr
    assert "Traceback" not in stderr.split("skewlint: error:")[-1]
    assert stderr.rstrip().endswith("interrupted" if sig == signal.SIGINT else "terminated")
    assert list(out.iterdir()) == []  # no report, output or baseline, whole or partial; no temporary
    assert snapshot(root) == before


def _interrupted_run(root: Path, out: Path, jobs: str, delay: float):
    """(exit status, seconds from the SIGINT to the exit, stderr) of a run interrupted `delay`
    seconds after it started; None if it ended first."""
    log = out.parent / f"{out.name}.stderr"  # a file: a full pipe would stall the run
    with open(log, "w", encoding="utf-8") as stderr:
        process = subprocess.Popen(
            [SCRIPT, "check", "-v", "--no-cache", "--jobs", jobs, "-o", str(out / "report.txt"),
             "--report", f"sarif:{out / 'report.sarif'}", "."],
            cwd=root, stdout=subprocess.DEVNULL, stderr=stderr)
    while process.poll() is None and log.stat().st_size == 0:  # "checking ...": its handlers are set
        time.sleep(0.01)
    time.sleep(delay)
    if process.poll() is not None:
        return None
    sent = time.monotonic()
    process.send_signal(signal.SIGINT)
    process.wait(timeout=120)
    return process.returncode, time.monotonic() - sent, log.read_text(encoding="utf-8")


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_ctrl_c_at_random_moments_stops_within_a_second(tmp_path, jobs):
    """Ctrl-C at random moments of a run, serial or over the pool: each ends it within 1 s with exit
    130, writes nothing and blames no file. (Raised inside libcst's position pass, the signal's
    exception comes out as a KeyError: that file was reported as an internal error and the run went
    on to its end, 20 s and more.) `--soak N`: N fresh random moments instead of the 10 fixed ones."""
    root = tmp_path / "project"
    slow_project(root, files=24)  # long position passes, where the signal became a KeyError; over 1 s
    shutil.copytree(FIXTURES, root / "fixtures")  # and every kind of file
    started = time.monotonic()
    whole = subprocess.run([SCRIPT, "check", "--no-cache", "--jobs", jobs, "."], cwd=root, capture_output=True,
                           text=True)
    duration = time.monotonic() - started
    assert whole.returncode == 1 and duration > 1.0  # the moments below spread over the whole run
    soak = getattr(pytest, "soak", 0)
    tries = soak or 10
    moments = random.Random(None if soak else int(jobs))
    delays, interrupted = [], 0
    for attempt in range(tries):
        out = tmp_path / f"out{attempt}"
        out.mkdir()
        delay = moments.uniform(0, duration)
        ran = _interrupted_run(root, out, jobs, delay)
        if ran is None:
            continue  # it ended before the signal
        status, stopped, stderr = ran
        context = f"signal {delay:.2f} s into the run: {stderr[-2000:]}"
        delays.append(stopped)
        assert "internal error" not in stderr and "Traceback" not in stderr, context
        written = sorted(p.name for p in out.iterdir())
        if written:  # it came after the linting, as the results were written or the process exited
            assert set(written) <= {"report.txt", "report.sarif"}, context  # no temporary left
            assert "report.txt" not in written or (out / "report.txt").read_text(encoding="utf-8") == whole.stdout
            assert "report.sarif" not in written or json.loads((out / "report.sarif").read_text(encoding="utf-8"))
            continue
        assert status == 130 and stderr.rstrip().endswith("skewlint: error: interrupted"), context
        interrupted += 1
    assert interrupted >= tries * 2 // 3, f"only {interrupted} of {tries} runs were interrupted while linting"
    assert max(delays) < 1.0, sorted(delays)
