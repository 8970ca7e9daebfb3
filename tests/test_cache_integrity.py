"""Cache integrity beyond tests/test_cache.py: concurrent runs sharing a cache, configuration files
and skewlint's version in the key, and cross-file (project phase) results that must follow a change to
another file even when the file itself is served from the cache."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import FIXTURES
from skewlint.run import cache as cache_module
from skewlint.run import runner
from skewlint.registry import registry

SCRIPT = shutil.which("skewlint", path=str(Path(sys.executable).parent)) or shutil.which("skewlint")
BUGGY = "import torch\nmodel = torch.hub.load('x', 'y')\nmodel.eval\nmodel.training = False\n"


def run(*args, cwd):
    return subprocess.run([SCRIPT, "check", *args], cwd=cwd, capture_output=True, text=True, timeout=300)


def reuse(result) -> tuple:
    line = next(l for l in result.stderr.splitlines() if l.startswith("skewlint: cache:"))
    words = line.split()
    return int(words[2]), int(words[4])


@pytest.mark.slow
def test_concurrent_runs_sharing_a_cache_leave_it_valid(tmp_path):
    for i in range(40):
        (tmp_path / f"f{i:02d}.py").write_text(BUGGY + "x = 1\n" * i, encoding="utf-8")
    expected = run("--no-cache", ".", cwd=tmp_path).stdout
    processes = [subprocess.Popen([SCRIPT, "check", "--jobs", "1", "."], cwd=tmp_path, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for _ in range(4)]
    outputs = [p.communicate(timeout=300) for p in processes]
    assert all(out == expected and "warning" not in err for out, err in outputs)
    entries = sorted((tmp_path / ".skewlint_cache" / "entries").rglob("*"))
    files = [p for p in entries if p.is_file()]
    assert len(files) == 40 and all(not p.name.endswith(".tmp") for p in files)  # no temporaries left
    for entry in files:
        json.loads(entry.read_text(encoding="utf-8"))  # every entry whole
    warm = run("-v", ".", cwd=tmp_path)
    assert warm.stdout == expected and reuse(warm) == (40, 0)


@pytest.mark.slow
def test_editing_the_configuration_file_invalidates(tmp_path):
    (tmp_path / "a.py").write_text(BUGGY, encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text("[tool.skewlint]\n", encoding="utf-8")
    first = run("-v", ".", cwd=tmp_path)
    assert "SKW103" in first.stdout and "SKW104" in first.stdout
    (tmp_path / "pyproject.toml").write_text('[tool.skewlint]\nignore = ["SKW104"]\n', encoding="utf-8")
    second = run("-v", ".", cwd=tmp_path)
    assert reuse(second) == (0, 1) and "SKW103" in second.stdout and "SKW104" not in second.stdout
    (tmp_path / "pyproject.toml").write_text('[tool.skewlint]\nextend-exclude = ["nothing"]\n', encoding="utf-8")
    assert reuse(run("-v", ".", cwd=tmp_path)) == (0, 1)  # any setting: the whole Settings is the key


def test_another_skewlint_version_does_not_reuse_entries(tmp_path, monkeypatch):
    (tmp_path / "a.py").write_text(BUGGY, encoding="utf-8")
    enabled = registry().select([{"select": ["ALL"]}])
    job = runner.Job(str(tmp_path / "a.py"), enabled, "a.py")
    data = (tmp_path / "a.py").read_bytes()
    runner.run([job], workers=1, cache=cache_module.Cache(str(tmp_path / "c"), warn=lambda m: None))
    assert cache_module.Cache(str(tmp_path / "c"), warn=lambda m: None).load(job, data) is not None
    monkeypatch.setattr(cache_module, "__version__", "99.0.0")
    assert cache_module.Cache(str(tmp_path / "c"), warn=lambda m: None).load(job, data) is None


@pytest.mark.slow
def test_a_cross_file_finding_follows_the_other_file(tmp_path):
    """predict.py is served from the cache, but whether SKW402 fires on it depends on train.py."""
    shutil.copytree(FIXTURES / "parity" / "project_mismatch", tmp_path / "p")
    root = tmp_path / "p"
    cold = run("-v", ".", cwd=root)
    assert "predict.py" in cold.stdout and "SKW402" in cold.stdout
    train = root / "train.py"
    train.write_text(train.read_text(encoding="utf-8").replace(
        "mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225)", "mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5)"),
        encoding="utf-8")
    warm = run("-v", ".", cwd=root)
    hits, misses = reuse(warm)
    assert misses == 1 and hits >= 1  # only train.py linted again
    assert "SKW402" not in [line.split()[1] for line in warm.stdout.splitlines() if line.startswith("predict.py")]
