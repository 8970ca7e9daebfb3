"""--baseline / --write-baseline through the console script: keyed on path, rule and normalized
source line, so edits elsewhere keep findings baselined; new ones are reported."""
import json

import pytest

from test_cli import BUGGY, run, write

pytestmark = pytest.mark.slow  # every test runs the console script

TWO = BUGGY + "model.training = False\n"


def test_write_then_check_against_the_baseline(tmp_path):
    write(tmp_path, "src/train.py", TWO)
    result = run("check", "--write-baseline", "skewlint-baseline.json", ".", cwd=tmp_path)
    assert result.returncode == 0
    assert "recorded 2 findings in skewlint-baseline.json" in result.stderr
    document = json.loads((tmp_path / "skewlint-baseline.json").read_text())
    assert document["findings"] == [
        {"code": "SKW103", "count": 1, "line": "model.eval", "path": "src/train.py"},
        {"code": "SKW104", "count": 1, "line": "model.training = False", "path": "src/train.py"},
    ]
    result = run("check", "--baseline", "skewlint-baseline.json", ".", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout == "All checks passed! 2 baselined findings remain (hidden by --baseline).\n"


def test_unrelated_edits_keep_findings_baselined_and_new_ones_are_reported(tmp_path):
    write(tmp_path, "train.py", TWO)
    run("check", "--write-baseline", "base.json", ".", cwd=tmp_path)
    # Lines added above and the findings re-indented: still the same findings.
    write(tmp_path, "train.py", "import os\n\n" + TWO.replace("model.eval\n", "if True:\n    model.eval\n"))
    assert run("check", "--baseline", "base.json", ".", cwd=tmp_path).returncode == 0
    # A second identical finding in the file is new: the baseline counts occurrences.
    write(tmp_path, "train.py", TWO + "model.eval\n")
    result = run("check", "--baseline", "base.json", ".", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout.splitlines()[0].startswith("train.py:5:1: SKW103")
    assert "Found 1 diagnostic in 1 file. 2 baselined findings remain" in result.stdout


def test_fixed_findings_are_counted_as_stale(tmp_path):
    write(tmp_path, "train.py", TWO)
    run("check", "--write-baseline", "base.json", ".", cwd=tmp_path)
    write(tmp_path, "train.py", BUGGY)
    result = run("check", "--baseline", "base.json", ".", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout == ("All checks passed! 1 baselined finding remains (hidden by --baseline); "
                             "1 baseline entry no longer found (run --write-baseline to drop them).\n")


def test_paths_are_relative_to_the_baseline_file(tmp_path):
    write(tmp_path, "pkg/train.py", BUGGY)
    run("check", "--write-baseline", "base.json", ".", cwd=tmp_path)
    assert run("check", "--baseline", "../base.json", ".", cwd=tmp_path / "pkg").returncode == 0
    write(tmp_path, "pkg/other.py", BUGGY)  # the same line in another file is not baselined
    result = run("check", "--baseline", "base.json", ".", cwd=tmp_path)
    assert result.returncode == 1 and "other.py:3:1: SKW103" in result.stdout and "train.py" not in result.stdout


def test_syntax_errors_are_never_baselined(tmp_path):
    write(tmp_path, "broken.py", "import torch\ndef f(:\n")
    result = run("check", "--write-baseline", "base.json", ".", cwd=tmp_path)
    assert result.returncode == 1 and "SKW999" in result.stdout
    assert json.loads((tmp_path / "base.json").read_text())["findings"] == []


def test_notebook_findings_are_baselined_by_their_cell_line(tmp_path):
    cell = {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
            "source": BUGGY.splitlines(keepends=True)}
    document = {"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (tmp_path / "nb.ipynb").write_text(json.dumps(document))
    run("check", "--write-baseline", "base.json", ".", cwd=tmp_path)
    assert json.loads((tmp_path / "base.json").read_text())["findings"][0]["line"] == "model.eval"
    document["cells"].insert(0, {"cell_type": "markdown", "metadata": {}, "source": "# new cell"})
    (tmp_path / "nb.ipynb").write_text(json.dumps(document))
    assert run("check", "--baseline", "base.json", ".", cwd=tmp_path).returncode == 0


def test_unusable_baseline_is_an_error(tmp_path):
    write(tmp_path, "train.py", BUGGY)
    result = run("check", "--baseline", "missing.json", ".", cwd=tmp_path)
    assert result.returncode == 2 and "baseline file not found" in result.stderr and result.stdout == ""
    write(tmp_path, "bad.json", '{"findings": []}')
    result = run("check", "--baseline", "bad.json", ".", cwd=tmp_path)
    assert result.returncode == 2 and "not a skewlint baseline" in result.stderr


def test_entries_of_files_not_linted_are_not_stale(tmp_path):
    # pre-commit lints only the changed files: the other files' entries are not "fixed".
    write(tmp_path, "a.py", BUGGY)
    write(tmp_path, "b.py", BUGGY)
    run("check", "--write-baseline", "base.json", ".", cwd=tmp_path)
    result = run("check", "--baseline", "base.json", "a.py", cwd=tmp_path)
    assert result.stdout == "All checks passed! 1 baselined finding remains (hidden by --baseline).\n"
