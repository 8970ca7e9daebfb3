"""The console script: configuration keys `fix`, `unsafe-fixes`, `output-format` (and the command
line over them), every configuration error at once, `--show-settings`, `--show-files`,
`--statistics` with its fixable column, `--watch`."""
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # every test runs the console script

SCRIPT = shutil.which("skewlint", path=str(Path(sys.executable).parent)) or shutil.which("skewlint")
SAFE_BUG = "import torch\nmodel = torch.hub.load('x', 'y')\nmodel.eval\n"
UNSAFE_BUG = ("import torch\n\n\ndef evaluate(model, loader):\n    model.eval()\n"
              "    return [model(x) for x in loader]\n")


def run(*args, cwd, env=None):
    return subprocess.run([SCRIPT, *args], cwd=cwd, capture_output=True, text=True, timeout=120,
                          env={**os.environ, **(env or {})})


def project(tmp_path: Path, **files) -> Path:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path


def tree(root: Path):
    return sorted((str(p.relative_to(root)), p.read_bytes() if p.is_file() else None) for p in root.rglob("*"))


def test_output_format_from_the_configuration_and_the_command_line_over_it(tmp_path):
    project(tmp_path, **{"a.py": SAFE_BUG, "skewlint.toml": 'output-format = "json"\n'})
    result = run("check", "--no-cache", cwd=tmp_path)
    assert result.returncode == 1 and json.loads(result.stdout)[0]["code"] == "SKW103"
    assert run("check", "--no-cache", "--output-format", "concise", cwd=tmp_path).stdout.startswith("a.py:3:1: SKW103")
    via_env = run("check", "--no-cache", cwd=tmp_path, env={"SKEWLINT_OUTPUT_FORMAT": "pylint"})
    assert via_env.stdout.startswith("a.py:3: [SKW103(mode-method-not-called), ]")


def test_fix_and_unsafe_fixes_from_the_configuration(tmp_path):
    project(tmp_path, **{"a.py": SAFE_BUG, "b.py": UNSAFE_BUG, "base.toml": "unsafe-fixes = true\n",
                         "skewlint.toml": 'extend = "base.toml"\nfix = true\n'})
    before = tree(tmp_path)
    assert run("check", "--no-cache", "--no-fix", cwd=tmp_path).returncode == 1
    assert tree(tmp_path) == before  # --no-fix: the command line wins, nothing written
    result = run("check", "--no-cache", "--no-unsafe-fixes", cwd=tmp_path)
    assert "model.eval()" in (tmp_path / "a.py").read_text(encoding="utf-8")
    assert (tmp_path / "b.py").read_text(encoding="utf-8") == UNSAFE_BUG and result.returncode == 1
    result = run("check", "--no-cache", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "@torch.no_grad()" in (tmp_path / "b.py").read_text(encoding="utf-8")


def test_every_configuration_error_in_one_run(tmp_path):
    project(tmp_path, **{
        "a.py": SAFE_BUG, "sub/b.py": SAFE_BUG,
        "pyproject.toml": '[tool.skewlint]\nselct = ["SKW1"]\nignore = ["SKW10X"]\noutput-format = "fancy"\n',
        "sub/skewlint.toml": 'extend = "nowhere.toml"\nfix = "yes"\n',
    })
    result = run("check", "--no-cache", "--select", "SKW1QQ", cwd=tmp_path)
    assert result.returncode == 2 and result.stdout == "" and "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert all(line.startswith("skewlint: error: ") for line in lines)
    assert [line.split(": ", 3)[2] if "toml" in line else "" for line in lines] == [
        "", *(f"{tmp_path / 'pyproject.toml'}:{row}:{column}" for row, column in ((2, 1), (3, 11), (4, 1))),
        f"{tmp_path / 'sub' / 'skewlint.toml'}:2:1", f"{tmp_path / 'sub' / 'skewlint.toml'}:1:1"]  # then its `extend`
    for expected in ("`SKW1QQ`", "`selct`", "`SKW10X`", "not `fancy`", "nowhere.toml: configuration file not found",
                     "`fix` must be a boolean"):
        assert sum(expected in line for line in lines) == 1, expected


def test_extend_cycle_through_the_console_script(tmp_path):
    project(tmp_path, **{"a.py": SAFE_BUG, "skewlint.toml": 'extend = "b.toml"\n', "b.toml": 'extend = "skewlint.toml"\n'})
    result = run("check", "--no-cache", cwd=tmp_path)
    assert result.returncode == 2 and "`extend` makes a cycle" in result.stderr and result.stdout == ""


def test_show_settings_prints_the_resolved_settings_and_writes_nothing(tmp_path):
    project(tmp_path, **{"tests/t.py": SAFE_BUG, "base.toml": 'output-format = "full"\n',
                         "pyproject.toml": '[tool.skewlint]\nextend = "base.toml"\n'
                                           'per-file-ignores = { "tests/*" = ["SKW103"] }\n'})
    before = tree(tmp_path)
    result = run("check", "--show-settings", "--unsafe-fixes", "tests/t.py", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"# Resolved settings for: {os.path.join('tests', 't.py')}\n"
                                    f"# Settings path: {tmp_path / 'pyproject.toml'}\n"
                                    f"# Extends: {tmp_path / 'base.toml'}\n")
    lines = result.stdout.splitlines()
    assert 'output-format = "full"' in lines and "unsafe-fixes = true" in lines and "fix = false" in lines
    enabled = next(line for line in lines if line.startswith("enabled = "))
    assert '"SKW103"' not in enabled and '"SKW101"' in enabled
    assert '"SKW103"' in next(line for line in run("check", "--show-settings", cwd=tmp_path).stdout.splitlines()
                              if line.startswith("enabled = "))  # the directory: before per-file-ignores
    assert tree(tmp_path) == before  # no cache, no fix, nothing


def test_show_settings_refuses_a_bad_configuration_and_a_missing_path(tmp_path):
    project(tmp_path, **{"skewlint.toml": "fix = 1\nselct = []\n"})
    result = run("check", "--show-settings", cwd=tmp_path)
    assert result.returncode == 2 and result.stdout == "" and len(result.stderr.splitlines()) == 2
    result = run("check", "--show-settings", "nope.py", cwd=tmp_path)
    assert result.returncode == 2 and "path does not exist: nope.py" in result.stderr


def test_show_files_lists_what_a_run_would_lint(tmp_path):
    project(tmp_path, **{"a.py": SAFE_BUG, "nb.ipynb": "{}", "notes.txt": "", "build/b.py": SAFE_BUG,
                         "ignored/c.py": SAFE_BUG, ".gitignore": "ignored/\n", "third/d.py": SAFE_BUG,
                         "pkg/e.pyi": "", "skewlint.toml": 'extend-exclude = ["third"]\n'})
    before = tree(tmp_path)
    result = run("check", "--show-files", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["a.py", "nb.ipynb", os.path.join("pkg", "e.pyi")]
    assert tree(tmp_path) == before
    result = run("check", "--show-files", "--no-respect-gitignore", "a.py", "ignored", cwd=tmp_path)
    assert result.stdout.splitlines() == ["a.py", os.path.join("ignored", "c.py")]
    result = run("check", "--show-files", "nope", "a.py", cwd=tmp_path)
    assert result.returncode == 2 and result.stdout == "a.py\n" and "path does not exist: nope" in result.stderr


def test_statistics_fixable_column(tmp_path):
    project(tmp_path, **{"a.py": SAFE_BUG + "model.eval\n", "b.py": UNSAFE_BUG})
    result = run("check", "--no-cache", "--statistics", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout == "2\tSKW103\t[*] mode-method-not-called\n1\tSKW201\t[ ] missing-no-grad\n"
    result = run("check", "--no-cache", "--statistics", "--output-format", "json", "--unsafe-fixes", cwd=tmp_path)
    assert [row["fixable"] for row in json.loads(result.stdout)] == [True, True]


@pytest.mark.parametrize("args, expected", [
    (["--watch", "-"], "--watch cannot read stdin"),
    (["--watch", "--stdin-filename", "x.py"], "--watch cannot read stdin"),
    (["--watch", "--write-baseline", "b.json"], "--watch and --write-baseline cannot be used together"),
])
def test_watch_refuses_what_it_cannot_do(tmp_path, args, expected):
    result = run("check", *args, cwd=tmp_path)
    assert result.returncode == 2 and expected in result.stderr


def _wait_for(read, predicate, seconds=60.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate(read()):
            return True
        time.sleep(0.1)
    return False


def test_watch_lints_again_on_change_and_ctrl_c_exits_130(tmp_path):
    project(tmp_path, **{"a.py": SAFE_BUG})
    out, err = tmp_path.parent / f"{tmp_path.name}.out", tmp_path.parent / f"{tmp_path.name}.err"
    with open(out, "wb") as stdout, open(err, "wb") as stderr:
        process = subprocess.Popen([SCRIPT, "check", "--watch", "-j", "1", "--cache-dir", str(tmp_path.parent / "c")],
                                   cwd=tmp_path, stdout=stdout, stderr=stderr)
        try:
            text = lambda path: path.read_text(encoding="utf-8")  # noqa: E731
            assert _wait_for(lambda: text(err), lambda e: "watching for file changes" in e), text(err)
            assert text(out).count("a.py:3:1: SKW103") == 1
            (tmp_path / "b.py").write_text(SAFE_BUG + "model.train\n", encoding="utf-8")
            assert _wait_for(lambda: text(out), lambda o: "b.py:4:1: SKW103" in o), text(out) + text(err)
            assert "1 file changed (b.py); checking again" in text(err)
            assert _wait_for(lambda: text(err), lambda e: e.count("watching for file changes") == 2)
            (tmp_path / "skewlint.toml").write_text("fix = 3\n", encoding="utf-8")  # a broken configuration
            assert _wait_for(lambda: text(err), lambda e: "`fix` must be a boolean" in e), text(err)
            assert process.poll() is None  # still watching
            process.send_signal(signal.SIGINT)
            assert process.wait(timeout=30) == 130
        finally:
            if process.poll() is None:
                process.kill()
