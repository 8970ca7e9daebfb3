"""The runner: a process pool over files whose output does not depend on scheduling or `--jobs`."""
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from skewlint.run import runner, stop
from skewlint.registry import registry

SCRIPT = shutil.which("skewlint", path=str(Path(sys.executable).parent)) or shutil.which("skewlint")
BUGGY = "import torch\nmodel = torch.hub.load('x', 'y')\nmodel.eval\n"
ENABLED = registry().select([{"select": ["ALL"]}])


def run_cli(*args, cwd):
    return subprocess.run([SCRIPT, *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def corpus(root: Path, count: int = 12) -> list:
    """Files of different sizes (so largest-first scheduling reorders them), with findings, one
    syntax error and one file without any framework (settled by the prefilter)."""
    paths = []
    for i in range(count):
        path = root / f"m{i:02d}.py"
        path.write_text(BUGGY + "x = 1\n" * (i * 7) + f"model.train\n", encoding="utf-8")
        paths.append(path)
    (root / "broken.py").write_text("import torch\ndef f(:\n", encoding="utf-8")
    (root / "plain.py").write_text("print('no framework here')\n", encoding="utf-8")
    return paths + [root / "broken.py", root / "plain.py"]


def jobs_for(paths):
    return [runner.Job(str(p), ENABLED, str(p)) for p in paths]


@pytest.mark.slow
def test_output_is_identical_for_every_jobs_value(tmp_path):
    corpus(tmp_path)
    outputs = {}
    for jobs in ("1", "2", "3"):
        result = run_cli("check", ".", "--no-cache", "--jobs", jobs, "--output-format", "json", cwd=tmp_path)
        assert result.returncode == 1, result.stderr
        outputs[jobs] = result.stdout
    assert outputs["1"] == outputs["2"] == outputs["3"]
    assert outputs["1"].count('"code": "SKW103"') == 24 and '"code": "SKW999"' in outputs["1"]


@pytest.mark.slow
def test_outcomes_come_back_in_input_order_from_the_pool(tmp_path):
    jobs = jobs_for(corpus(tmp_path))
    parallel = runner.run(jobs, workers=2)
    serial = runner.run(jobs, workers=1)
    assert [o.job for o in parallel] == jobs
    assert [o.result.diagnostics for o in parallel] == [o.result.diagnostics for o in serial]
    assert all(o.error is None for o in parallel)
    # the file without a framework was settled by the prefilter, never parsed
    assert parallel[-1].result.parsed is False and parallel[0].result.parsed is True


@pytest.mark.slow
def test_the_pool_is_used_with_several_workers(tmp_path, monkeypatch):
    import concurrent.futures

    created = []
    real = concurrent.futures.ProcessPoolExecutor

    def recording(max_workers, **options):
        created.append(max_workers)
        return real(max_workers=max_workers, **options)

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", recording)  # the runner imports it when used
    jobs = jobs_for(corpus(tmp_path))
    runner.run(jobs, workers=2)
    assert created == [2]
    created.clear()
    runner.run(jobs[:1], workers=2)  # one file: serial, no pool
    runner.run(jobs, workers=1)
    assert created == []


def test_no_usable_pool_falls_back_to_serial(tmp_path, monkeypatch):
    def broken(max_workers, **options):
        raise OSError("no /dev/shm")

    monkeypatch.setattr("concurrent.futures.ProcessPoolExecutor", broken)
    jobs = jobs_for(corpus(tmp_path))
    outcomes = runner.run(jobs, workers=2)
    assert [o.job for o in outcomes] == jobs
    assert sum(len(o.result.diagnostics) for o in outcomes) == 25  # 24 SKW103 + 1 SKW999


def test_an_internal_error_is_reported_for_its_file_only(tmp_path, monkeypatch):
    jobs = jobs_for(corpus(tmp_path))
    real = runner.lint_bytes

    def failing(data, display, enabled, *where):
        if display.endswith("m03.py"):
            raise RuntimeError("boom")
        return real(data, display, enabled, *where)

    monkeypatch.setattr(runner, "lint_bytes", failing)
    outcomes = runner.run(jobs, workers=1)
    failed = [o for o in outcomes if o.error is not None]
    assert [o.job.path for o in failed] == [jobs[3].path]
    assert failed[0].error == "RuntimeError: boom" and "Traceback" in failed[0].details
    assert sum(1 for o in outcomes if o.result is not None) == len(jobs) - 1


@pytest.mark.parametrize("signum, raised", [(signal.SIGINT, KeyboardInterrupt), (signal.SIGTERM, stop.Terminated)],
                         ids=["SIGINT", "SIGTERM"])
def test_a_signal_turned_into_another_exception_stops_the_run(tmp_path, monkeypatch, signum, raised):
    """The handler's exception, raised inside libcst's position pass, comes out of a context manager
    as a KeyError: with the signal recorded, that is the end of the run, not the file's error."""
    monkeypatch.setattr(stop, "SIGNALLED", [])
    jobs = jobs_for(corpus(tmp_path))
    linted = []
    real = runner.lint_bytes

    def interrupted(data, display, enabled, *where):
        linted.append(display)
        if len(linted) == 3:
            stop.SIGNALLED.append(signum)  # what the handler records before it raises
            raise KeyError("<the handler's exception, as libcst's __exit__ turns it>")
        return real(data, display, enabled, *where)

    monkeypatch.setattr(runner, "lint_bytes", interrupted)
    with pytest.raises(raised):
        runner.run(jobs, workers=1)
    assert len(linted) == 3  # and no file after it


def test_unreadable_file_gets_a_diagnostic(tmp_path):
    missing = runner.Job(str(tmp_path / "gone.py"), ENABLED, "gone.py")
    (outcome,) = runner.run([missing], workers=2)
    assert [d.code for d in outcome.result.diagnostics] == ["SKW999"]


@pytest.mark.slow
def test_jobs_must_not_be_negative(tmp_path):
    result = run_cli("check", ".", "--jobs", "-1", cwd=tmp_path)
    assert result.returncode == 2 and "--jobs" in result.stderr


def test_usable_cpus_is_positive():
    assert runner.usable_cpus() >= 1
    if hasattr(os, "sched_getaffinity"):
        assert runner.usable_cpus() == len(os.sched_getaffinity(0))


class _AlwaysParse:
    markers = b""  # empty: every file needs a parse


class _EngineOnly:
    markers = None


@pytest.mark.parametrize("text, parsed", [
    (b"print('hello')\n", False),
    (b"from torchvision import models\n", True),  # found through `torch`, a marker it contains
    (b"import tensorflow as tf\n", True),
    (b"# mentions jax in a comment\n", True),  # a byte scan: a cheap over-approximation
])
def test_prefilter(text, parsed):
    from skewlint.run.engine import _needs_parse

    assert _needs_parse(text, ENABLED) is parsed


def test_prefilter_rules_without_markers(monkeypatch):
    from skewlint.run import engine

    rules = dict(registry().rules, SKW990=_AlwaysParse, SKW991=_EngineOnly)
    monkeypatch.setattr(engine, "registry", lambda: type("R", (), {"rules": rules})())
    engine._markers.cache_clear()
    try:
        assert engine._needs_parse(b"x = 1\n", frozenset({"SKW990"})) is True
        assert engine._needs_parse(b"import torch\n", frozenset({"SKW991"})) is False
        assert engine._needs_parse(b"x = 1\n", frozenset({"SKW103", "SKW991"})) is False
    finally:
        engine._markers.cache_clear()


def test_chunks_balance_bytes_and_keep_order():
    jobs = [runner.Job(f"f{i}.py", ENABLED, f"f{i}.py") for i in range(10)]
    sizes = [1000, 500, 100, 100, 100, 100, 50, 50, 25, 25]  # largest first, as run() sends them
    chunks = runner._chunks(jobs, sizes, workers=2)  # budget: 2050 // 16 = 128 bytes
    assert [job for chunk in chunks for job in chunk] == jobs
    assert chunks[0] == [jobs[0]] and chunks[1] == [jobs[1]]  # big files alone
    assert [len(c) for c in chunks[2:]] == [2, 2, 4]  # small ones together
    assert max(len(c) for c in runner._chunks(jobs * 10, [1] * 100, workers=1)) <= 32


@pytest.mark.slow
def test_a_worker_that_dies_does_not_lose_files(tmp_path, monkeypatch):
    """A worker killed mid-run (out of memory, a crash in native code): the files it did not
    finish are linted in this process, and every file still gets its result."""
    parent = os.getpid()
    real = runner.lint_one

    def dying(job, *imported):
        if os.getpid() != parent and job.path.endswith("m05.py"):
            os._exit(1)
        return real(job, *imported)

    monkeypatch.setattr(runner, "lint_one", dying)  # inherited by the forked workers
    jobs = jobs_for(corpus(tmp_path))
    if multiprocessing.get_start_method() != "fork":
        pytest.skip("the patch reaches the workers only when they are forked")
    outcomes = runner.run(jobs, workers=2)
    assert [o.job for o in outcomes] == jobs and all(o.error is None for o in outcomes)
    assert sum(len(o.result.diagnostics) for o in outcomes) == 25


def test_imported_files_are_linted_first_and_each_once(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # paths as the command line gives them: relative
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "models.py").write_text("import torch\nclass Net(torch.nn.Module):\n    pass\n")
    (tmp_path / "a.py").write_text("import torch\nfrom models import Net\nfrom b import helper\n" + "x = 1\n" * 50)
    (tmp_path / "b.py").write_text("import torch\nimport a\n")  # a cycle with a.py
    jobs = jobs_for(["a.py", "b.py", "models.py"])
    files = {i: runner._triage(job, None)[2] for i, job in enumerate(jobs)}
    order, imported = runner._dependencies_first(jobs, [0, 1, 2], files)
    assert sorted(order) == [0, 1, 2] and order.index(2) < order.index(0)
    assert imported == {0, 1, 2}
