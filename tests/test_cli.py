"""The installed console script, run as a user runs it: exit codes, formats, config errors, stdin."""
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import FIXTURES

pytestmark = pytest.mark.slow  # every test runs the console script

SCRIPT = shutil.which("skewlint", path=str(Path(sys.executable).parent)) or shutil.which("skewlint")
BUGGY = "import torch\nmodel = torch.hub.load('x', 'y')\nmodel.eval\n"
CLEAN = "import torch\nmodel = torch.hub.load('x', 'y')\nmodel.eval()\n"


def run(*args, cwd=None, stdin=None):
    assert SCRIPT, "the skewlint console script is not installed"
    return subprocess.run([SCRIPT, *args], cwd=cwd, input=stdin, capture_output=True, text=True, timeout=120)


def write(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_fixtures_report_and_exit_1():
    result = run("check", str(FIXTURES))
    assert result.returncode == 1, result.stderr
    assert "SKW103" in result.stdout and "SKW999" in result.stdout
    first = result.stdout.splitlines()[0]
    path, row, column, rest = first.split(":", 3)
    assert path.endswith(".py") and int(row) > 0 and int(column) > 0 and rest.startswith(" SKW")


def test_clean_file_exits_0(tmp_path):
    write(tmp_path, "ok.py", CLEAN)
    result = run("check", "ok.py", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout == "All checks passed!\n"
    assert run("check", "-q", "ok.py", cwd=tmp_path).stdout == ""


def test_python_dash_m(tmp_path):
    write(tmp_path, "bad.py", BUGGY)
    result = subprocess.run([sys.executable, "-m", "skewlint", "check", "bad.py"], cwd=tmp_path,
                            capture_output=True, text=True)
    assert result.returncode == 1 and "bad.py:3:1: SKW103" in result.stdout


def test_syntax_error_and_bare_eval_in_one_directory(tmp_path):
    write(tmp_path, "broken.py", "import torch\ndef f(:\n    pass\n")
    write(tmp_path, "bare.py", BUGGY)
    result = run("check", ".", cwd=tmp_path)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert any(line.startswith("bare.py:3:1: SKW103") for line in lines)
    assert any(line.startswith("broken.py:2:") and "SKW999" in line for line in lines)


def test_json_has_ruffs_keys(tmp_path):
    write(tmp_path, "bad.py", BUGGY)
    result = run("check", "--output-format", "json", "bad.py", cwd=tmp_path)
    assert result.returncode == 1
    data = json.loads(result.stdout)
    assert list(data[0]) == ["cell", "code", "end_location", "filename", "fix", "location", "message",
                             "name", "noqa_row", "severity", "url"]
    assert data[0]["location"] == {"column": 1, "row": 3}
    assert data[0]["end_location"] == {"column": 11, "row": 3}
    lines = run("check", "--output-format", "json-lines", "bad.py", cwd=tmp_path).stdout.splitlines()
    assert [json.loads(line)["code"] for line in lines] == ["SKW103"]


def test_full_format_shows_source(tmp_path):
    write(tmp_path, "bad.py", BUGGY)
    out = run("check", "--output-format", "full", "bad.py", cwd=tmp_path).stdout
    assert "3 | model.eval" in out and "^^^^^^^^^^ mode-method-not-called" in out


def test_unknown_selector_exits_2_with_suggestion(tmp_path):
    write(tmp_path, "bad.py", BUGGY)
    result = run("check", "--select", "SKW10X", "bad.py", cwd=tmp_path)
    assert result.returncode == 2
    assert "did you mean" in result.stderr and "SKW10" in result.stderr
    assert result.stdout == ""


def test_select_and_ignore(tmp_path):
    write(tmp_path, "bad.py", BUGGY + "model.training = False\n")
    assert "SKW104" not in run("check", "--ignore", "SKW104", "bad.py", cwd=tmp_path).stdout
    out = run("check", "--select", "training-attribute-assigned", "bad.py", cwd=tmp_path).stdout
    assert "SKW104" in out and "SKW103" not in out
    out = run("check", "--per-file-ignores", "bad.py:SKW103", "bad.py", cwd=tmp_path).stdout
    assert "SKW104" in out and "SKW103" not in out


def test_exit_zero_and_statistics(tmp_path):
    write(tmp_path, "bad.py", BUGGY + "model.eval\n")
    result = run("check", "--exit-zero", "--statistics", "bad.py", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.split() == ["2", "SKW103", "[*]", "mode-method-not-called"]  # fixable, as ruff marks it


def test_stdin_with_filename(tmp_path):
    result = run("check", "--stdin-filename", "pkg/eval.py", "-", cwd=tmp_path, stdin=BUGGY)
    assert result.returncode == 1
    assert result.stdout.startswith(os.path.join("pkg", "eval.py") + ":3:1: SKW103")
    result = run("check", "-", cwd=tmp_path, stdin=CLEAN)
    assert result.returncode == 0


def test_missing_path_is_an_error_but_others_are_linted(tmp_path):
    write(tmp_path, "bad.py", BUGGY)
    result = run("check", "nope.py", "bad.py", cwd=tmp_path)
    assert result.returncode == 2
    assert "nope.py" in result.stderr and "SKW103" in result.stdout


def test_a_missing_path_alone_is_an_error_not_a_pass(tmp_path):
    result = run("check", "nope.py", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == "skewlint: error: path does not exist: nope.py\n"
    assert "All checks passed" not in result.stdout
    assert result.stdout == "No diagnostics, but the check is incomplete: see the errors above.\n"


def test_config_in_pyproject(tmp_path):
    write(tmp_path, "pyproject.toml", '[tool.skewlint]\nignore = ["SKW103"]\n')
    write(tmp_path, "sub/bad.py", BUGGY + "model.training = False\n")
    out = run("check", ".", cwd=tmp_path).stdout
    assert "SKW104" in out and "SKW103" not in out
    # The command line's --select replaces the configured selection.
    out = run("check", "--select", "SKW103", ".", cwd=tmp_path).stdout
    assert "SKW103" in out and "SKW104" not in out


def test_nearest_config_wins(tmp_path):
    write(tmp_path, "pyproject.toml", '[tool.skewlint]\nignore = ["SKW103"]\n')
    write(tmp_path, "a/bad.py", BUGGY)
    write(tmp_path, "b/skewlint.toml", 'select = ["SKW103"]\n')
    write(tmp_path, "b/bad.py", BUGGY)
    out = run("check", ".", cwd=tmp_path).stdout
    assert "a/bad.py" not in out.replace(os.sep, "/") and "b/bad.py:3:1: SKW103" in out.replace(os.sep, "/")


@pytest.mark.parametrize(
    "config, message",
    [
        ('[tool.skewlint]\nselct = ["SKW1"]\n', "did you mean `select`"),
        ('[tool.skewlint]\nselect = "SKW1"\n', "`select` must be a list of strings"),
        ('[tool.skewlint]\nignore = ["SKW10X"]\n', "unknown rule selector `SKW10X`"),
        ('[tool.skewlint\nselect = []\n', "invalid TOML"),
        ('[tool.skewlint]\nrespect-gitignore = "yes"\n', "must be a boolean"),
    ],
)
def test_bad_config_exits_2(tmp_path, config, message):
    write(tmp_path, "pyproject.toml", config)
    write(tmp_path, "bad.py", BUGGY)
    result = run("check", ".", cwd=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr and "pyproject.toml" in result.stderr
    assert "Traceback" not in result.stderr


def test_explicit_config_file(tmp_path):
    write(tmp_path, "custom.toml", 'ignore = ["SKW103"]\n')
    write(tmp_path, "bad.py", BUGGY)
    assert run("check", "--config", "custom.toml", "bad.py", cwd=tmp_path).returncode == 0
    result = run("check", "--config", "missing.toml", "bad.py", cwd=tmp_path)
    assert result.returncode == 2 and "not found" in result.stderr


def test_discovery_excludes_and_gitignore(tmp_path):
    (tmp_path / ".git").mkdir()
    write(tmp_path, ".gitignore", "generated/\n*_tmp.py\n!keep_tmp.py\n")
    for name in ["src/bad.py", "generated/bad.py", "x_tmp.py", "keep_tmp.py", ".venv/bad.py",
                 "build/bad.py", "notes.txt", "stubs/bad.pyi"]:
        write(tmp_path, name, BUGGY)
    out = run("check", ".", cwd=tmp_path).stdout.replace(os.sep, "/")
    linted = {line.split(":")[0] for line in out.splitlines() if "SKW" in line}
    assert linted == {"src/bad.py", "keep_tmp.py", "stubs/bad.pyi"}
    out = run("check", "--no-respect-gitignore", ".", cwd=tmp_path).stdout.replace(os.sep, "/")
    assert "generated/bad.py" in out and "x_tmp.py" in out
    out = run("check", "--extend-exclude", "src", ".", cwd=tmp_path).stdout.replace(os.sep, "/")
    assert "src/bad.py" not in out


def test_force_exclude_applies_to_named_files(tmp_path):
    write(tmp_path, "pyproject.toml", '[tool.skewlint]\nextend-exclude = ["legacy"]\n')
    write(tmp_path, "legacy/bad.py", BUGGY)
    assert run("check", "legacy/bad.py", cwd=tmp_path).returncode == 1
    result = run("check", "--force-exclude", "legacy/bad.py", cwd=tmp_path)
    assert result.returncode == 0 and "SKW" not in result.stdout


def test_undecodable_and_unreadable_files(tmp_path):
    (tmp_path / "latin.py").write_bytes(b"import torch\nname = '\xe9'\n")
    (tmp_path / "cookie.py").write_bytes(b"# -*- coding: latin-1 -*-\nimport torch\nname = '\xe9'\nm = torch.hub.load('a', 'b')\nm.eval\n")
    (tmp_path / "bom.py").write_bytes(b"\xef\xbb\xbf" + BUGGY.encode())
    result = run("check", ".", cwd=tmp_path)
    lines = sorted(line for line in result.stdout.splitlines() if ": SKW" in line)
    assert lines[0].startswith("bom.py:3:1: SKW103")
    assert lines[1].startswith("cookie.py:5:1: SKW103")
    assert lines[2].startswith("latin.py:2:") and "SKW999" in lines[2] and "decode" in lines[2]


def test_rule_documentation():
    result = run("rule", "SKW103")
    assert result.returncode == 0
    assert "# mode-method-not-called (SKW103)" in result.stdout and "## Why is this bad?" in result.stdout
    assert run("rule", "training-attribute-assigned").stdout.startswith("# training-attribute-assigned (SKW104)")
    data = json.loads(run("rule", "--all", "--output-format", "json").stdout)
    assert {"SKW103", "SKW104", "SKW106", "SKW999"} <= {r["code"] for r in data}
    missing = run("rule", "SKW1O3")
    assert missing.returncode == 2 and "did you mean" in missing.stderr


def test_rule_list_text_and_json():
    from skewlint.registry import registry

    text = run("rule", "--list")
    assert text.returncode == 0
    header, *lines = text.stdout.splitlines()
    assert header.split() == ["code", "name", "severity", "default", "fixable"]
    rows = [line.split() for line in lines]
    assert [row[0] for row in rows] == list(registry().rules)
    assert ["SKW901", "unused-suppression", "info", "off", "no"] in rows
    data = json.loads(run("rule", "--list", "--output-format", "json").stdout)
    assert [[d["code"], d["name"], d["severity"], "on" if d["default"] else "off", "yes" if d["fixable"] else "no"]
            for d in data] == rows
    # Fixable: exactly the rules of the README's table of fixes.
    readme = (FIXTURES.parent / "README.md").read_text(encoding="utf-8")
    fixes = readme[readme.index("## Fixes"):readme.index("## pre-commit")]
    assert {d["code"] for d in data if d["fixable"]} == set(re.findall(r"^\| `(SKW\d{3})` \|", fixes, re.M))
    # A prefix or name narrows the list; an unknown one is an error.
    assert [line.split()[0] for line in run("rule", "--list", "skw10").stdout.splitlines()[1:]] == [
        code for code in registry().rules if code.startswith("SKW10")]
    assert run("rule", "--list", "nope").returncode == 2
    assert run("rule", "--list", "--output-format", "markdown").returncode == 2


def test_version():
    assert run("version").stdout.startswith("skewlint ")
    assert run("--version").returncode == 0
