"""The result cache, through the installed console script where users meet it."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from skewlint.run import cache as cache_module
from skewlint.run import runner
from skewlint.diagnostics import Diagnostic, Location
from skewlint.run.engine import FileResult
from skewlint.registry import registry

SCRIPT = shutil.which("skewlint", path=str(Path(sys.executable).parent)) or shutil.which("skewlint")
BUGGY = "import torch\nmodel = torch.hub.load('x', 'y')\nmodel.eval\n"
ENABLED = registry().select([{"select": ["ALL"]}])


def run(*args, cwd, env=None):
    return subprocess.run([SCRIPT, *args], cwd=cwd, capture_output=True, text=True, timeout=120,
                          env={**os.environ, **(env or {})})


def project(root: Path, count: int = 4) -> None:
    for i in range(count):
        (root / f"f{i}.py").write_text(BUGGY + "x = 1\n" * i, encoding="utf-8")
    (root / "plain.py").write_text("print('no framework')\n", encoding="utf-8")


def reuse(result) -> tuple:
    """(reused, linted again) from the `-v` cache line."""
    line = next(l for l in result.stderr.splitlines() if l.startswith("skewlint: cache:"))
    words = line.split()
    return int(words[2]), int(words[4])


def entries(cache_dir: Path) -> list:
    return sorted((cache_dir / "entries").rglob("*.json"))


@pytest.mark.slow
def test_cold_then_warm_then_one_changed_file(tmp_path):
    project(tmp_path)
    cold = run("check", ".", "-v", cwd=tmp_path)
    assert cold.returncode == 1 and reuse(cold) == (0, 4)  # the framework-free file needs no entry
    cache_dir = tmp_path / ".skewlint_cache"
    assert (cache_dir / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55")
    assert (cache_dir / ".gitignore").read_text().splitlines()[-1] == "*"
    assert len(entries(cache_dir)) == 4
    warm = run("check", ".", "-v", cwd=tmp_path)
    assert reuse(warm) == (4, 0) and warm.stdout == cold.stdout
    (tmp_path / "f2.py").write_text(BUGGY.replace("model.eval\n", "model.eval()\n"), encoding="utf-8")
    changed = run("check", ".", "-v", cwd=tmp_path)
    assert reuse(changed) == (3, 1)
    assert "f2.py" not in changed.stdout and changed.stdout.count("SKW103") == 3
    assert len(entries(cache_dir)) == 4  # the changed file overwrote its own entry


@pytest.mark.slow
def test_other_settings_do_not_reuse_results(tmp_path):
    project(tmp_path)
    run("check", ".", cwd=tmp_path)
    ignored = run("check", ".", "-v", "--ignore", "SKW103", cwd=tmp_path)
    assert reuse(ignored) == (0, 4) and ignored.returncode == 0
    again = run("check", ".", "-v", cwd=tmp_path)
    assert reuse(again) == (4, 0) and again.returncode == 1


@pytest.mark.slow
@pytest.mark.parametrize("damage", ["truncate", "garbage", "empty", "foreign-version", "wrong-shape"])
def test_damaged_entries_are_ignored_and_rebuilt(tmp_path, damage):
    project(tmp_path, count=2)
    expected = run("check", ".", cwd=tmp_path).stdout
    for entry in entries(tmp_path / ".skewlint_cache"):
        text = entry.read_text()
        if damage == "truncate":
            entry.write_text(text[: len(text) // 2])
        elif damage == "garbage":
            entry.write_bytes(b"\x00\xff not json")
        elif damage == "empty":
            entry.write_text("")
        elif damage == "foreign-version":
            data = json.loads(text)
            data["version"] = "0.0.0-other"
            data["result"]["diagnostics"] = []  # a foreign entry's results must not be served
            entry.write_text(json.dumps(data))
        else:
            data = json.loads(text)
            data["result"]["diagnostics"] = [{"@diag": {"code": "SKW103"}}]
            entry.write_text(json.dumps(data))
    damaged = run("check", ".", "-v", cwd=tmp_path)
    assert damaged.stdout == expected and reuse(damaged) == (0, 2)
    assert "warning" not in damaged.stderr
    rebuilt = run("check", ".", "-v", cwd=tmp_path)
    assert rebuilt.stdout == expected and reuse(rebuilt) == (2, 0)


@pytest.mark.slow
def test_unwritable_cache_warns_once_and_still_lints(tmp_path):
    project(tmp_path)
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the cache would go")  # stops even root, unlike chmod
    result = run("check", ".", "--cache-dir", str(blocker / "cache"), cwd=tmp_path)
    assert result.returncode == 1 and result.stdout.count("SKW103") == 4
    assert result.stderr.count("warning: cannot write the cache") == 1


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root ignores permissions")
def test_read_only_cache_dir_warns_once(tmp_path):
    project(tmp_path)
    cache_dir = tmp_path / "ro"
    cache_dir.mkdir()
    cache_dir.chmod(0o555)
    try:
        result = run("check", ".", "--cache-dir", str(cache_dir), cwd=tmp_path)
    finally:
        cache_dir.chmod(0o755)
    assert result.returncode == 1 and result.stdout.count("SKW103") == 4
    assert result.stderr.count("warning: cannot write the cache") == 1


@pytest.mark.slow
def test_no_cache_and_cache_dir_and_env(tmp_path):
    project(tmp_path)
    run("check", ".", "--no-cache", cwd=tmp_path)
    assert not (tmp_path / ".skewlint_cache").exists()
    run("check", ".", "--cache-dir", "elsewhere", cwd=tmp_path)
    assert len(entries(tmp_path / "elsewhere")) == 4 and not (tmp_path / ".skewlint_cache").exists()
    run("check", ".", cwd=tmp_path, env={"SKEWLINT_CACHE_DIR": str(tmp_path / "from-env")})
    assert len(entries(tmp_path / "from-env")) == 4
    run("check", ".", cwd=tmp_path, env={"SKEWLINT_NO_CACHE": "1"})
    assert not (tmp_path / ".skewlint_cache").exists()


@pytest.mark.slow
def test_default_cache_is_in_the_project_root(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.skewlint]\n", encoding="utf-8")
    sub = tmp_path / "src"
    sub.mkdir()
    project(sub)
    run("check", ".", cwd=sub)
    assert (tmp_path / ".skewlint_cache" / "CACHEDIR.TAG").is_file() and not (sub / ".skewlint_cache").exists()


@pytest.mark.slow
def test_clean_removes_the_cache_and_refuses_other_directories(tmp_path):
    project(tmp_path)
    run("check", ".", cwd=tmp_path)
    assert (tmp_path / ".skewlint_cache").is_dir()
    cleaned = run("clean", cwd=tmp_path)
    assert cleaned.returncode == 0 and not (tmp_path / ".skewlint_cache").exists()
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "data.txt").write_text("keep me")
    refused = run("clean", "--cache-dir", str(precious), cwd=tmp_path)
    assert refused.returncode == 2 and "not a skewlint cache" in refused.stderr
    assert (precious / "data.txt").read_text() == "keep me"
    assert run("clean", cwd=tmp_path).returncode == 0  # nothing to clean is fine


def test_a_failed_write_keeps_the_old_entry_and_leaves_no_temporary(tmp_path, monkeypatch):
    (tmp_path / "a.py").write_text(BUGGY, encoding="utf-8")
    job = runner.Job(str(tmp_path / "a.py"), ENABLED, "a.py")
    cache = cache_module.Cache(str(tmp_path / "c"), warn=lambda m: None)
    result = runner.run([job], workers=1, cache=cache)[0].result
    (entry,) = entries(tmp_path / "c")
    before = entry.read_bytes()

    def failing_replace(*args, **kwargs):  # the temporary is written; the rename finds the disk full
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(cache_module.atomic_write.os, "replace", failing_replace)
    warnings = []
    other = cache_module.Cache(str(tmp_path / "c"), warn=warnings.append)
    other.store(job, "0" * 64, result)
    assert entry.read_bytes() == before
    assert [p.name for p in entry.parent.iterdir()] == [entry.name]
    assert len(warnings) == 1 and "No space left on device" in warnings[0] and not other.enabled


def test_round_trip_is_exact(tmp_path):
    diagnostic = Diagnostic(
        code="SKW103", name="mode-method-not-called", severity="error", message="m `x`",
        filename="a.py", location=Location(3, 1), end_location=Location(3, 11), noqa_row=2,
        url="https://example", cell=4, fix={"edits": [{"content": "()"}], "applicability": "safe"},
        related=((Location(1, 5), "built here"),),
    )
    original = FileResult("a.py", [diagnostic], parsed=True)
    plain = json.loads(json.dumps(cache_module._result_to_plain(original)))
    restored = cache_module._result_from_plain(plain, "a.py")
    assert restored.diagnostics == [diagnostic] and restored.parsed is True
    summary = {"role": "eval", "constants": (0.485, 0.456), "functions": [{"name": "f", "evaluates": True}],
               "names": frozenset({"b", "a"}), "seen": {1, 2}, "nested": {"x": [None, 1.5, "s"]}}
    back = cache_module._decode(json.loads(json.dumps(cache_module._encode(summary))))
    assert back == summary and type(back["names"]) is frozenset and type(back["constants"]) is tuple


def test_a_summary_that_is_not_plain_data_skips_its_entry_only(tmp_path):
    (tmp_path / "a.py").write_text(BUGGY, encoding="utf-8")
    job = runner.Job(str(tmp_path / "a.py"), ENABLED, "a.py")
    warnings = []
    cache = cache_module.Cache(str(tmp_path / "c"), warn=warnings.append)
    result = FileResult("a.py", [], parsed=True)
    result.summary = {"node": object()}  # e.g. a libcst node leaked into the summary
    cache.store(job, "0" * 64, result)
    cache.store(job, "0" * 64, result)
    assert len(warnings) == 1 and "not caching" in warnings[0] and cache.enabled
    assert not (tmp_path / "c" / "entries").exists()


def test_entries_depend_on_the_code_stamp(tmp_path, monkeypatch):
    (tmp_path / "a.py").write_text(BUGGY, encoding="utf-8")
    job = runner.Job(str(tmp_path / "a.py"), ENABLED, "a.py")
    data = (tmp_path / "a.py").read_bytes()
    first = cache_module.Cache(str(tmp_path / "c"), warn=lambda m: None)
    runner.run([job], workers=1, cache=first)
    assert cache_module.Cache(str(tmp_path / "c"), warn=lambda m: None).load(job, data) is not None
    monkeypatch.setattr(cache_module, "_code_stamp", lambda: "rules edited since")
    assert cache_module.Cache(str(tmp_path / "c"), warn=lambda m: None).load(job, data) is None


@pytest.mark.slow
def test_project_phase_sees_cached_summaries(tmp_path):
    """The project phase (SKW402) works on file summaries; from the cache they must be the same."""
    source = Path(__file__).resolve().parent.parent / "fixtures" / "parity" / "project_mismatch"
    shutil.copytree(source, tmp_path / "project")
    cold = run("check", ".", "-v", cwd=tmp_path / "project")
    warm = run("check", ".", "-v", cwd=tmp_path / "project")
    assert reuse(warm)[1] == 0 and reuse(warm)[0] == reuse(cold)[1] > 0
    assert "SKW402" in cold.stdout and warm.stdout == cold.stdout


def test_settings_json_cannot_spell_do_not_break_the_cache(tmp_path):
    import dataclasses
    import re

    @dataclasses.dataclass(frozen=True)
    class Odd:
        pattern: object = re.compile("x")

    (tmp_path / "a.py").write_text(BUGGY, encoding="utf-8")
    job = runner.Job(str(tmp_path / "a.py"), ENABLED, "a.py", Odd())
    cache = cache_module.Cache(str(tmp_path / "c"), warn=lambda m: None)
    runner.run([job], workers=1, cache=cache)
    assert cache.load(job, (tmp_path / "a.py").read_bytes()) is not None


def test_related_locations_in_another_file_round_trip():
    from skewlint.diagnostics import Diagnostic, Location, related_locations
    from skewlint.run.cache import _decode, _encode

    diagnostic = Diagnostic(code="SKW402", name="n", severity="error", message="m", filename="app/predict.py",
                            location=Location(13, 25), end_location=Location(13, 70), noqa_row=13,
                            related=((Location(6, 13), "the training normalization", "app/train.py"),
                                     (Location(2, 1), "here")))
    plain = json.loads(json.dumps(_encode(diagnostic)))  # JSON-able
    assert _decode(plain) == diagnostic
    assert list(related_locations(diagnostic)) == [(Location(6, 13), "the training normalization", "app/train.py"),
                                                   (Location(2, 1), "here", "app/predict.py")]
