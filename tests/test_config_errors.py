"""Bad configuration and contradictory options: one line on stderr naming the file (and the line, for
TOML syntax), exit 2, no traceback, nothing on stdout."""
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # every test runs the console script

SCRIPT = shutil.which("skewlint", path=str(Path(sys.executable).parent)) or shutil.which("skewlint")
BUGGY = "import torch\nmodel = torch.hub.load('x', 'y')\nmodel.eval\n"


def run(*args, cwd):
    return subprocess.run([SCRIPT, "check", "--no-cache", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120)


def refused(result) -> str:
    assert result.returncode == 2, result
    assert result.stdout == "" and "Traceback" not in result.stderr and "internal error" not in result.stderr
    (line,) = result.stderr.splitlines()
    assert line.startswith("skewlint: error: ")
    return line[len("skewlint: error: "):]


@pytest.mark.parametrize("name, text, expected", [
    ("pyproject.toml", b'[tool.skewlint]\nselect = ["SKW1"\n', "pyproject.toml:2: invalid TOML: Unclosed array at the end of the file"),
    ("pyproject.toml", b'[tool.skewlint]\n\nselect = [1 2]\n', "pyproject.toml:3:13: invalid TOML: Unclosed array"),
    ("skewlint.toml", b'select = ["SKW1"]\nselect = ["SKW2"]\n', "skewlint.toml:2:18: invalid TOML: Cannot overwrite a value"),
    ("pyproject.toml", b'[tool.skewlint]\nignore = ["\xff"]\n', "pyproject.toml:2: invalid TOML: not UTF-8 (invalid start byte)"),  # was an internal error
])
def test_invalid_toml_names_file_and_line(tmp_path, name, text, expected):
    (tmp_path / name).write_bytes(text)
    (tmp_path / "a.py").write_text(BUGGY, encoding="utf-8")
    assert refused(run(".", cwd=tmp_path)).endswith(expected)


@pytest.mark.parametrize("table, expected", [
    ('select = "SKW1"', "`select` must be a list of strings, not str"),
    ("ignore = [103]", "`ignore` must be a list of strings, not list"),
    ('force-exclude = "yes"', "`force-exclude` must be a boolean, not str"),
    ('per-file-ignores = ["tests/*"]', "`per-file-ignores` must be a table of glob -> list of rule selectors"),
    ('per-file-ignores = { "tests/*" = "SKW1" }', "`per-file-ignores` must be a table"),
    ('selct = ["SKW1"]', "unknown option `selct`; did you mean `select`?"),
    ("line-length = 88", "unknown option `line-length`"),
    ('extend-select = ["SKW10X"]', "unknown rule selector `SKW10X`"),
])
def test_wrong_types_and_unknown_keys(tmp_path, table, expected):
    (tmp_path / "pyproject.toml").write_text(f"[tool.skewlint]\n{table}\n", encoding="utf-8")
    (tmp_path / "a.py").write_text(BUGGY, encoding="utf-8")
    message = refused(run(".", cwd=tmp_path))
    # The line and column of the key (of the selector, for an unknown one).
    column = table.index('"SKW10X"') + 1 if "SKW10X" in table else 1
    assert f"pyproject.toml:2:{column}: " in message and expected in message


def test_tool_skewlint_that_is_not_a_table(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool]\nskewlint = 3\n", encoding="utf-8")
    assert refused(run(".", cwd=tmp_path)).endswith("pyproject.toml: [tool.skewlint] must be a table")


def test_explicit_config_that_is_missing_or_invalid(tmp_path):
    assert refused(run("--config", "nope.toml", ".", cwd=tmp_path)) == "nope.toml: configuration file not found"
    (tmp_path / "bad.toml").write_text("select = [\n", encoding="utf-8")
    assert "bad.toml:" in refused(run("--config", "bad.toml", ".", cwd=tmp_path))


@pytest.mark.parametrize("args, expected", [
    (["-q", "-v"], "--quiet and --verbose cannot be used together"),
    (["--no-cache", "--cache-dir", "c"], "--no-cache and --cache-dir cannot be used together"),
    (["--baseline", "b.json", "--write-baseline", "b.json"], "--baseline and --write-baseline cannot be used together"),
    (["-", "a.py"], "`-` (read stdin) cannot be combined with other paths"),
    (["--select", "SKW10X"], "unknown rule selector `SKW10X`"),
])
def test_conflicting_or_bad_options(tmp_path, args, expected):
    (tmp_path / "a.py").write_text(BUGGY, encoding="utf-8")
    args = [a for a in args if a != "--no-cache"] + (["--no-cache"] if "--no-cache" in args else [])
    result = subprocess.run([SCRIPT, "check", *args, *([] if "-" in args else ["a.py"])], cwd=tmp_path,
                            capture_output=True, text=True, timeout=120, input="")
    assert expected in refused(result)
    assert not (tmp_path / "c").exists() and not (tmp_path / "b.json").exists()


def test_cache_dir_from_the_environment_does_not_conflict_with_no_cache(tmp_path):
    (tmp_path / "a.py").write_text(BUGGY, encoding="utf-8")
    result = subprocess.run([SCRIPT, "check", "--no-cache", "a.py"], cwd=tmp_path, capture_output=True,
                            text=True, timeout=120, env={**__import__("os").environ, "SKEWLINT_CACHE_DIR": "c"})
    assert result.returncode == 1 and not (tmp_path / "c").exists()
