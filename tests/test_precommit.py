"""The pre-commit hook, run by pre-commit itself: `pre-commit try-repo` installs this repository's
hook into its own virtualenv (from PyPI: the only network it needs) and runs it in a temporary git
repository. Skipped only when pre-commit is not importable."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from test_cli import BUGGY, CLEAN

pytestmark = pytest.mark.slow  # pre-commit installs and runs the hook

pytest.importorskip("pre_commit")

ROOT = Path(__file__).resolve().parent.parent
GIT = shutil.which("git")
ENV = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
       "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid",
       "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}


def git(*args, cwd):
    return subprocess.run([GIT, *args], cwd=cwd, env=ENV, check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory):
    """This repository as it is on disk (committed, modified and new files), as one commit: try-repo
    with `--ref` then installs the hook once and reuses it for every run of this module."""
    if GIT is None or not (ROOT / ".git").exists():
        pytest.skip("needs git and a git checkout of skewlint")
    source = tmp_path_factory.mktemp("hook") / "skewlint"
    git("clone", "--quiet", "--no-hardlinks", str(ROOT), str(source), cwd=ROOT)
    changed = git("ls-files", "-z", "--modified", "--others", "--exclude-standard", cwd=ROOT).split("\0")
    for name in filter(None, changed):
        target = source / name
        if (ROOT / name).is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, target)
        elif target.exists():  # deleted in the working tree
            target.unlink()
    git("add", "-A", cwd=source)
    git("commit", "--quiet", "--allow-empty", "-m", "working tree", cwd=source)
    home = tmp_path_factory.mktemp("pre-commit-home")
    return source, git("rev-parse", "HEAD", cwd=source).strip(), home


@pytest.fixture
def project(tmp_path):
    git("init", "--quiet", cwd=tmp_path)
    return tmp_path


def try_repo(hook_repo, project, *files):
    source, ref, home = hook_repo
    for name in files:
        git("add", name, cwd=project)
    args = ["--files", *files] if files else ["--all-files"]
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(source), "skewlint", "--ref", ref, *args],
        cwd=project, env={**ENV, "PRE_COMMIT_HOME": str(home)}, capture_output=True, text=True, timeout=600,
    )


def test_hook_fails_on_a_buggy_file(hook_repo, project):
    (project / "train.py").write_text(BUGGY)
    result = try_repo(hook_repo, project, "train.py")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Failed" in result.stdout and "train.py:3:1: SKW103" in result.stdout


def test_hook_passes_on_a_clean_file(hook_repo, project):
    (project / "train.py").write_text(CLEAN)
    result = try_repo(hook_repo, project, "train.py")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Passed" in result.stdout and "SKW" not in result.stdout


def test_hook_is_quiet_with_no_files(hook_repo, project):
    (project / "notes.md").write_text("no code here\n")
    result = try_repo(hook_repo, project, "notes.md")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "(no files to check)Skipped" in result.stdout and "SKW" not in result.stdout


def test_hook_respects_excludes_for_named_files(hook_repo, project):
    (project / "pyproject.toml").write_text('[tool.skewlint]\nextend-exclude = ["legacy"]\n')
    (project / "legacy").mkdir()
    (project / "legacy" / "old.py").write_text(BUGGY)
    result = try_repo(hook_repo, project, "legacy/old.py")
    assert result.returncode == 0, result.stdout + result.stderr


def test_hook_lints_notebooks(hook_repo, project):
    cell = {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
            "source": ["!pip install torch\n", *BUGGY.splitlines(keepends=True)]}
    (project / "eval.ipynb").write_text(json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4,
                                                    "nbformat_minor": 5}))
    result = try_repo(hook_repo, project, "eval.ipynb")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "eval.ipynb:cell 1:4:1: SKW103" in result.stdout


def test_hook_with_a_baseline_as_the_readme_configures_it(hook_repo, project):
    source, ref, home = hook_repo
    (project / "old.py").write_text(BUGGY)
    (project / "new.py").write_text(BUGGY.replace("model.eval\n", "model.train\n"))
    written = subprocess.run([sys.executable, "-m", "skewlint", "check", "--write-baseline",
                              "skewlint-baseline.json", "old.py"], cwd=project, capture_output=True, text=True)
    assert written.returncode == 0, written.stderr
    (project / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {source}\n    rev: {ref}\n    hooks:\n      - id: skewlint\n"
        "        args: [--baseline, skewlint-baseline.json]\n")
    git("add", ".", cwd=project)

    def pre_commit_run(*files):
        return subprocess.run([sys.executable, "-m", "pre_commit", "run", "--files", *files], cwd=project,
                              env={**ENV, "PRE_COMMIT_HOME": str(home)}, capture_output=True, text=True, timeout=600)

    assert pre_commit_run("old.py").returncode == 0  # baselined
    result = pre_commit_run("old.py", "new.py")
    assert result.returncode == 1 and "new.py:3:1: SKW103" in result.stdout and "old.py" not in result.stdout
