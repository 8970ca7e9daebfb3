"""The project phase through the installed console script: SKW402 across files, declared constants,
configuration errors, and summaries that survive the cache."""
import shutil

import pytest

from helpers import FIXTURES
from test_cli import run, write

pytestmark = pytest.mark.slow  # every test runs the console script

PROJECT = FIXTURES / "parity" / "project_mismatch"


def test_inference_file_checked_against_training_file(tmp_path):
    shutil.copytree(PROJECT, tmp_path / "app")
    for _ in range(2):  # cold, then from the cache: summaries are cached with the diagnostics
        result = run("check", "--select", "SKW402", "app", cwd=tmp_path)
        assert result.returncode == 1
        lines = [line for line in result.stdout.splitlines() if "SKW402" in line]
        assert len(lines) == 1 and lines[0].startswith("app/predict.py:13:")
        assert "app/train.py` line 6" in lines[0]


def test_inference_alone_has_nothing_to_compare(tmp_path):
    shutil.copytree(PROJECT, tmp_path / "app")
    (tmp_path / "app" / "train.py").unlink()
    assert run("check", "--select", "SKW402", "app", cwd=tmp_path).returncode == 0


def test_declared_constants_and_suppression(tmp_path):
    write(tmp_path, "pyproject.toml", "[tool.skewlint]\nnormalization = {mean = [0.5, 0.5, 0.5], std = [0.5, 0.5, 0.5]}\n")
    shutil.copy(PROJECT / "predict.py", tmp_path / "predict.py")
    shutil.copy(PROJECT / "serve.py", tmp_path / "serve.py")
    out = run("check", "--select", "SKW402", ".", cwd=tmp_path).stdout
    assert "serve.py:" in out and "predict.py:" not in out and "`[tool.skewlint.normalization]` in the configuration declares mean=" in out
    text = (tmp_path / "serve.py").read_text().replace(
        "T.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])",
        "T.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])  # noqa: SKW402")
    (tmp_path / "serve.py").write_text(text)
    assert run("check", "--select", "SKW402", ".", cwd=tmp_path).returncode == 0


@pytest.mark.parametrize("value", ['"imagenet"', "{mean = [0.5]}", '{mean = ["a"], std = [1]}',
                                   "{mean = [0.5], std = [0.5], model = 1}"])
def test_bad_normalization_config(tmp_path, value):
    write(tmp_path, "pyproject.toml", f"[tool.skewlint]\nnormalization = {value}\n")
    write(tmp_path, "x.py", "import torch\n")
    result = run("check", ".", cwd=tmp_path)
    assert result.returncode == 2 and "`normalization` must be" in result.stderr


def test_related_location_names_the_training_file(tmp_path):
    """SKW402's evidence is in another file: `full` names that file, SARIF gives its artifact."""
    import json

    shutil.copytree(PROJECT, tmp_path / "app")
    full = run("check", "--select", "SKW402", "--output-format", "full", "app", cwd=tmp_path).stdout
    assert "  = note: app/train.py:6:13: the training normalization\n" in full.replace("\\", "/")
    sarif = json.loads(run("check", "--select", "SKW402", "--output-format", "sarif", "app", cwd=tmp_path).stdout)
    [result] = sarif["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "app/predict.py"
    [related] = result["relatedLocations"]
    assert related["physicalLocation"] == {"artifactLocation": {"uri": "app/train.py", "uriBaseId": "%SRCROOT%"},
                                           "region": {"startLine": 6, "startColumn": 13}}
    assert related["message"]["text"] == "the training normalization"


def test_notebooks_in_the_project_phase_count_rows_in_cells(tmp_path):
    """SKW402 in a notebook is located in its cell, and a training notebook is cited by cell and line."""
    from test_notebook import notebook

    predict = (PROJECT / "predict.py").read_text().splitlines(True)
    train = (PROJECT / "train.py").read_text().splitlines(True)
    (tmp_path / "predict.ipynb").write_bytes(notebook(("markdown", "# x"), predict[:6], predict[6:]))
    (tmp_path / "train.ipynb").write_bytes(notebook(train[:3], train[3:]))
    result = run("check", "--select", "SKW402", ".", cwd=tmp_path)
    [line] = [line for line in result.stdout.splitlines() if "SKW402" in line]
    assert line.startswith("predict.ipynb:cell 3:7:25: SKW402 ")
    assert "(`train.ipynb` cell 2, line 3) uses" in line
