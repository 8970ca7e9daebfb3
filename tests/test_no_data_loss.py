"""No data loss: without --fix no file in the project is written (the cache lives elsewhere here),
with --fix only the fixed files; an interrupted run exits 130 (SIGINT) or 143 (SIGTERM) and leaves
no partial report, output or baseline file, nor a temporary one."""
import hashlib
import os
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
