"""--fix, --diff, --fix-only, --unsafe-fixes, --show-fixes, --exit-non-zero-on-fix through the
installed console script, with ruff's exit statuses; and fixes shown in the output formats."""
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from helpers import FIXTURES
from test_cli import run

pytestmark = pytest.mark.slow  # every test runs the console script

SAFE_BUG = "import torch\nmodel = torch.hub.load('a', 'b')\nmodel.eval  # keep me\nprint(model)\n"
SAFE_FIXED = "import torch\nmodel = torch.hub.load('a', 'b')\nmodel.eval()  # keep me\nprint(model)\n"
# SKW201 (unsafe fix only) after the safe SKW103 one.
UNSAFE_BUG = ("import torch\n\n\ndef evaluate(model, loader):\n    model.eval\n"
              "    return [model(x) for x in loader]\n")


def project(tmp_path: Path, **files) -> Path:
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def test_without_fix_nothing_is_written_and_fixable_findings_are_marked(tmp_path):
    project(tmp_path, **{"a.py": SAFE_BUG, "b.py": UNSAFE_BUG})
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in tmp_path.iterdir()}
    result = run("check", "--no-cache", ".", cwd=tmp_path)
    assert result.returncode == 1
    assert "a.py:3:1: SKW103 [*] `model.eval` is not called" in result.stdout
    assert "b.py:6:13: SKW201 `model` is evaluated" in result.stdout  # unsafe: no mark without the option
    assert "[*] 2 fixable with the `--fix` option (1 hidden fix can be enabled with the `--unsafe-fixes` option)." \
        in result.stdout
    marked = run("check", "--no-cache", "--unsafe-fixes", ".", cwd=tmp_path)
    assert "SKW201 [*]" in marked.stdout and "[*] 3 fixable with the `--fix` option.\n" in marked.stdout
    for name in ("--diff", "--output-format=json"):
        run("check", "--no-cache", name, ".", cwd=tmp_path)
    assert {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in tmp_path.iterdir()} == before


def test_fix_writes_the_safe_fixes_and_reports_what_remains(tmp_path):
    project(tmp_path, **{"a.py": SAFE_BUG, "b.py": UNSAFE_BUG})
    result = run("check", "--no-cache", "--fix", ".", cwd=tmp_path)
    assert (tmp_path / "a.py").read_text(encoding="utf-8") == SAFE_FIXED
    assert "    model.eval()\n" in (tmp_path / "b.py").read_text(encoding="utf-8")
    assert result.returncode == 1, result.stderr  # SKW201 remains: its fix is unsafe
    assert "SKW201 `model` is evaluated" in result.stdout and "[*]" not in result.stdout
    assert "Found 3 diagnostics (2 fixed, 1 remaining)." in result.stdout
    again = run("check", "--no-cache", "--fix", "--unsafe-fixes", "--show-fixes", ".", cwd=tmp_path)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "Fixed 1 diagnostic:\n- b.py:\n    1 × SKW201 (missing-no-grad)\n" in again.stdout
    assert "@torch.no_grad()\ndef evaluate" in (tmp_path / "b.py").read_text(encoding="utf-8")
    third = run("check", "--no-cache", "--fix", "--unsafe-fixes", ".", cwd=tmp_path)
    assert third.returncode == 0 and "All checks passed!" in third.stdout


def test_exit_non_zero_on_fix(tmp_path):
    project(tmp_path, **{"a.py": SAFE_BUG})
    result = run("check", "--no-cache", "--fix", "--exit-non-zero-on-fix", ".", cwd=tmp_path)
    assert result.returncode == 1 and "Found 1 diagnostic (1 fixed, 0 remaining)." in result.stdout
    clean = run("check", "--no-cache", "--fix", "--exit-non-zero-on-fix", ".", cwd=tmp_path)
    assert clean.returncode == 0


def test_fix_only_reports_only_what_was_fixed(tmp_path):
    project(tmp_path, **{"a.py": SAFE_BUG, "b.py": UNSAFE_BUG})
    result = run("check", "--no-cache", "--fix-only", ".", cwd=tmp_path)
    assert result.returncode == 0  # SKW201 remains, but --fix-only does not report it
    assert result.stdout == "Fixed 2 diagnostics.\n"
    assert (tmp_path / "a.py").read_text(encoding="utf-8") == SAFE_FIXED
    project(tmp_path, **{"a.py": SAFE_BUG})
    strict = run("check", "--no-cache", "--fix-only", "--exit-non-zero-on-fix", ".", cwd=tmp_path)
    assert strict.returncode == 1 and strict.stdout == "Fixed 1 diagnostic.\n"


def test_diff_prints_a_patch_that_applies_and_writes_nothing(tmp_path):
    project(tmp_path, **{"a.py": SAFE_BUG})
    result = run("check", "--no-cache", "--diff", "a.py", cwd=tmp_path)
    assert result.returncode == 1  # something would be fixed
    assert result.stdout.startswith("--- a.py\n+++ a.py\n@@ ")
    assert "-model.eval  # keep me\n+model.eval()  # keep me\n" in result.stdout
    assert "Would fix 1 diagnostic." in result.stderr  # stdout is only the patch
    assert (tmp_path / "a.py").read_text(encoding="utf-8") == SAFE_BUG
    if shutil.which("patch"):
        subprocess.run(["patch", "-p0", "--quiet"], input=result.stdout, text=True, cwd=tmp_path, check=True)
        assert (tmp_path / "a.py").read_text(encoding="utf-8") == SAFE_FIXED
    nothing = run("check", "--no-cache", "--diff", "a.py", cwd=tmp_path)
    assert nothing.returncode == 0 and nothing.stdout == ""


def test_fix_on_stdin_prints_the_fixed_source(tmp_path):
    result = run("check", "--fix", "--stdin-filename", "a.py", "-", cwd=tmp_path, stdin=SAFE_BUG)
    assert result.stdout == SAFE_FIXED
    assert "Found 1 diagnostic (1 fixed, 0 remaining)." in result.stderr
    assert result.returncode == 0 and not (tmp_path / "a.py").exists()
    untouched = run("check", "--fix", "-", cwd=tmp_path, stdin=UNSAFE_BUG.replace("model.eval\n", "model.eval()\n"))
    assert untouched.returncode == 1  # the unsafe SKW201 fix is not applied; its finding remains
    assert untouched.stdout == UNSAFE_BUG.replace("model.eval\n", "model.eval()\n")
    assert "SKW201" in untouched.stderr
    diff = run("check", "--diff", "-", cwd=tmp_path, stdin=SAFE_BUG)
    assert diff.returncode == 1 and "+model.eval()  # keep me" in diff.stdout


def test_fix_keeps_crlf_line_ends_through_the_cli(tmp_path):
    path = tmp_path / "a.py"
    path.write_bytes(SAFE_BUG.replace("\n", "\r\n").encode("utf-8"))
    assert run("check", "--no-cache", "--fix", "a.py", cwd=tmp_path).returncode == 0
    assert path.read_bytes() == SAFE_FIXED.replace("\n", "\r\n").encode("utf-8")


def test_fix_fixture_through_the_cli(tmp_path):
    source = FIXTURES / "fixes" / "skw201_no_grad.py"
    shutil.copy(source, tmp_path / source.name)
    result = run("check", "--no-cache", "--fix", "--unsafe-fixes", source.name, cwd=tmp_path)
    assert result.returncode == 0, result.stdout
    assert (tmp_path / source.name).read_bytes() == Path(f"{source}.fixed").read_bytes()


def test_json_and_sarif_show_the_fix(tmp_path):
    project(tmp_path, **{"a.py": SAFE_BUG})
    (entry,) = json.loads(run("check", "--no-cache", "--output-format", "json", "a.py", cwd=tmp_path).stdout)
    assert entry["fix"] == {"applicability": "safe", "message": "Call `model.eval()`", "edits": [
        {"content": "()", "location": {"row": 3, "column": 11}, "end_location": {"row": 3, "column": 11}}]}
    sarif = json.loads(run("check", "--no-cache", "--output-format", "sarif", "a.py", cwd=tmp_path).stdout)
    (fix,) = sarif["runs"][0]["results"][0]["fixes"]
    assert fix["properties"] == {"applicability": "safe"}
    (change,) = fix["artifactChanges"]
    assert change["replacements"] == [{"deletedRegion": {"startLine": 3, "startColumn": 11, "endLine": 3,
                                                         "endColumn": 11}, "insertedContent": {"text": "()"}}]
    full = run("check", "--no-cache", "--output-format", "full", "a.py", cwd=tmp_path).stdout
    assert "  = fix (safe): Call `model.eval()`\n" in full


def test_sarif_with_fixes_validates_against_the_schema(tmp_path):
    from test_output_formats import _sarif_validator

    validator = _sarif_validator()
    project(tmp_path, **{"a.py": SAFE_BUG, "b.py": UNSAFE_BUG})
    document = json.loads(run("check", "--no-cache", "--output-format", "sarif", ".", cwd=tmp_path).stdout)
    assert sum(len(r.get("fixes", ())) for r in document["runs"][0]["results"]) == 3
    errors = sorted(validator.iter_errors(document), key=str)
    assert not errors, errors[0].message


def test_notebooks_are_not_fixed(tmp_path):
    from test_notebook import BUGGY_CELL, notebook

    data = notebook(["import torch\n"], BUGGY_CELL)
    (tmp_path / "eval.ipynb").write_bytes(data)
    result = run("check", "--no-cache", "--fix", "--unsafe-fixes", ".", cwd=tmp_path)
    assert result.returncode == 1 and "SKW103" in result.stdout and "[*]" not in result.stdout
    assert (tmp_path / "eval.ipynb").read_bytes() == data


def test_fix_on_stdin_of_an_excluded_file_prints_the_source_unchanged(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.skewlint]\nextend-exclude = ["gen"]\nforce-exclude = true\n')
    result = run("check", "--fix", "--stdin-filename", "gen/a.py", "-", cwd=tmp_path, stdin=SAFE_BUG)
    assert result.returncode == 0 and result.stdout == SAFE_BUG
