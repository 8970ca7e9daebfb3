"""Hostile files through the installed console script (a crash of the parser would kill pytest itself
if run in-process): each gets a diagnostic or nothing, never a traceback, and other files are linted."""
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # the console script, on each hostile file (one test lints in-process)

SCRIPT = shutil.which("skewlint", path=str(Path(sys.executable).parent)) or shutil.which("skewlint")
BUGGY = "import torch\nmodel = torch.hub.load('x', 'y')\nmodel.eval\n"


def run(*args, cwd, timeout=120):
    return subprocess.run([SCRIPT, "check", "--no-cache", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout)


def lint_one(tmp_path, name, data: bytes, timeout=120):
    """Lint the hostile file beside a buggy one: the buggy one must still be reported."""
    (tmp_path / name).write_bytes(data)
    (tmp_path / "ok_neighbour.py").write_text(BUGGY, encoding="utf-8")
    result = run(".", cwd=tmp_path, timeout=timeout)
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr, result.stderr
    assert result.returncode in (0, 1), result
    assert "ok_neighbour.py:3:1: SKW103" in result.stdout
    return [line for line in result.stdout.splitlines() if line.startswith(name + ":")]


def test_empty_file(tmp_path):
    assert lint_one(tmp_path, "empty.py", b"") == []


def test_only_comments(tmp_path):
    assert lint_one(tmp_path, "comments.py", b"# import torch\n# model.eval\n\n   # more\n") == []


def test_binary_bytes_with_a_py_name(tmp_path):
    data = random.Random(0).randbytes(4096) + b"torch"  # the marker: it gets past the prefilter
    (line,) = lint_one(tmp_path, "blob.py", data)
    assert "SKW999 could not" in line


def test_nul_bytes(tmp_path):
    (line,) = lint_one(tmp_path, "nul.py", b"import torch\nx = 1\x00\n")
    assert line.startswith("nul.py:2:1: SKW999") and "null bytes" in line


def test_invalid_utf8(tmp_path):
    (line,) = lint_one(tmp_path, "latin.py", b"import torch\n\nname = '\xff\xfe'\n")
    assert line.startswith("latin.py:3:1: SKW999") and "could not decode file as utf-8" in line


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32"])
def test_utf16_and_utf32_with_bom(tmp_path, encoding):
    data = BUGGY.encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data
    (line,) = lint_one(tmp_path, "wide.py", data)  # was skipped silently: NULs hid `torch` from the prefilter
    assert "SKW999 could not decode file: it is UTF-" in line


@pytest.mark.parametrize("data, message", [
    # A codec registered at run time (`future_fstrings`) transforms UTF-8 source: read as UTF-8.
    (b"# -*- coding: klingon -*-\nimport torch\nx = '\xff'\n", "could not decode file as utf-8"),
    (b"# coding: ascii\nimport torch\nx = '\xc3\xa9'\n", "could not decode file as ascii"),
], ids=["unknown-codec", "ascii"])
def test_wrong_coding_cookie(tmp_path, data, message):
    (line,) = lint_one(tmp_path, "cookie.py", data)
    assert "SKW999" in line and message in line


def test_unknown_codec_of_utf8_source_is_linted(tmp_path):
    (line,) = lint_one(tmp_path, "fstrings.py", b"# -*- coding: future_fstrings -*-\nimport torch\nmodel.eval\n")
    assert "SKW103" in line


def test_ten_megabyte_file_is_refused_quickly(tmp_path):
    data = ("import torch\n" + "x = torch.zeros(3)\n" * (10 * 2**20 // 19)).encode()
    (line,) = lint_one(tmp_path, "huge.py", data, timeout=30)  # linting it would take minutes
    assert line.startswith("huge.py:1:1: SKW999 not linted: 10.0 MB")


def test_ten_megabyte_file_without_a_framework_is_skipped(tmp_path):
    assert lint_one(tmp_path, "data.py", b"x = 1\n" * (10 * 2**20 // 6), timeout=30) == []


def test_one_megabyte_line(tmp_path):
    data = b"import torch\nmodel = torch.hub.load('x', 'y')\nblob = '" + b"a" * 2**20 + b"'\nmodel.eval\n"
    (line,) = lint_one(tmp_path, "wide_line.py", data, timeout=60)
    assert line.startswith("wide_line.py:4:1: SKW103")


# Explicit ids: the inputs are up to 200 KB, and a test's ID is copied into PYTEST_CURRENT_TEST,
# an environment variable the kernel limits to 128 KiB (E2BIG when the test starts a process).
@pytest.mark.parametrize("expression", [
    # SIGSEGV in libcst's parser before the guard
    pytest.param("(" * 100_000 + "1" + ")" * 100_000, id="parentheses"),
    pytest.param("-" * 100_000 + "1", id="unary-minus"),  # SIGSEGV
    pytest.param("not " * 10_000 + "x", id="not"),  # SIGSEGV
    pytest.param("+".join(["a"] * 100_000), id="plus-chain"),  # minutes in libcst
    # seconds in libcst: CPython refuses more than 200 brackets
    pytest.param("[" * 1000 + "]" * 1000, id="brackets"),
    pytest.param("a" + "[0]" * 3000, id="subscripts"),  # minutes in libcst
    pytest.param("lambda: " * 3000 + "1", id="lambdas"),
    # deep and a syntax error: CPython refuses it, libcst must not see it
    pytest.param("not " * 6000 + "x +", id="not-syntax-error"),
    # SIGSEGV: flat in CPython's tree, nested in libcst's
    pytest.param(" and ".join(["a"] * 20_000), id="and-chain"),
    # the same, and CPython cannot check it
    pytest.param(" or ".join(["a"] * 20_000) + " or", id="or-chain-syntax-error"),
    pytest.param('f"{' + "not " * 12_000 + 'x}"', id="f-string-field"),  # inside an f-string's field
    # commas that do not separate siblings
    pytest.param("lambda a, b: " * 12_000 + "1", id="lambda-parameters"),
    # one logical line over Windows line breaks
    pytest.param("a + \\\r\n" * 12_000 + "a", id="crlf-continuations"),
])
def test_nesting_deep_enough_to_exhaust_recursion(tmp_path, expression):
    data = f"import torch\nx = {expression}\n".encode()
    (line,) = lint_one(tmp_path, "deep.py", data, timeout=60)
    assert "SKW999" in line and ("nested too deeply" in line or "could not parse" in line), line


@pytest.mark.parametrize("statements", [
    # SIGSEGV: each `elif` nests the next
    pytest.param("if a:\n    pass\n" + "elif a:\n    pass\n" * 12_000, id="elif"),
    pytest.param("if a:\n    pass\n" + "# note\nelif a:\n    pass\n" * 12_000, id="elif-after-comment"),
])
def test_statements_nested_deep_enough_to_crash_libcst(tmp_path, statements):
    (line,) = lint_one(tmp_path, "deep.py", f"import torch\n{statements}".encode(), timeout=60)
    assert "SKW999" in line and "nested too deeply" in line, line


def test_moderate_nesting_is_still_linted(tmp_path):
    data = ("import torch\nmodel = torch.hub.load('x', 'y')\nx = " + "(" * 150 + "1" + ")" * 150
            + "\nmodel.eval\n").encode()
    (line,) = lint_one(tmp_path, "nested.py", data)
    assert line.startswith("nested.py:4:1: SKW103")


def test_file_deleted_between_discovery_and_reading(tmp_path, monkeypatch):
    """Discovery lists it, the runner then cannot read it: one SKW999, the rest linted."""
    from skewlint.run import runner
    from skewlint.registry import registry

    enabled = registry().select([{"select": ["ALL"]}])
    gone, kept = tmp_path / "gone.py", tmp_path / "kept.py"
    gone.write_text(BUGGY, encoding="utf-8")
    kept.write_text(BUGGY, encoding="utf-8")
    jobs = [runner.Job(str(p), enabled, p.name) for p in (gone, kept)]
    gone.unlink()
    outcomes = runner.run(jobs, workers=1)
    assert [d.code for d in outcomes[0].result.diagnostics] == ["SKW999"]
    assert "could not read file" in outcomes[0].result.diagnostics[0].message
    assert [d.code for d in outcomes[1].result.diagnostics] == ["SKW103"]


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file(tmp_path):
    secret = tmp_path / "secret.py"
    secret.write_text(BUGGY, encoding="utf-8")
    (tmp_path / "ok_neighbour.py").write_text(BUGGY, encoding="utf-8")
    secret.chmod(0)
    try:
        result = run(".", cwd=tmp_path)
    finally:
        secret.chmod(0o644)
    assert result.returncode == 1 and "ok_neighbour.py:3:1: SKW103" in result.stdout
    assert "secret.py:1:1: SKW999 could not read file: Permission denied" in result.stdout


def test_unreadable_path_is_a_directory_named_py(tmp_path):
    """What root cannot be stopped from: a path that opens but cannot be read as a file."""
    (tmp_path / "odd.py").mkdir()
    (tmp_path / "odd.py" / "inner.py").write_text(BUGGY, encoding="utf-8")
    result = run("odd.py/inner.py", "odd.py", cwd=tmp_path)
    assert result.returncode == 1 and result.stdout.count("SKW103") == 1


def test_symlink_loop_in_a_directory(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "bad.py").write_text(BUGGY, encoding="utf-8")
    os.symlink("..", tmp_path / "pkg" / "up")  # pkg/up/pkg/up/... forever
    os.symlink("self.py", tmp_path / "self.py")  # a file link pointing at itself
    result = run(".", cwd=tmp_path, timeout=60)
    assert result.returncode == 1 and result.stdout.count("SKW103") == 1, result
    assert "internal error" not in result.stderr


@pytest.mark.parametrize("name", ["with space/eval model.py", "données/évaluer_模型.py", "a:b/c;d.py"])
def test_paths_with_spaces_and_non_ascii(tmp_path, name):
    path = tmp_path / name
    path.parent.mkdir(parents=True)
    path.write_text(BUGGY, encoding="utf-8")
    result = run(".", cwd=tmp_path)
    assert result.returncode == 1 and result.stdout.startswith(name + ":3:1: SKW103"), result
    assert run(name, cwd=tmp_path).stdout.startswith(name + ":3:1: SKW103")


def test_path_that_does_not_exist(tmp_path):
    (tmp_path / "bad.py").write_text(BUGGY, encoding="utf-8")
    result = run("missing.py", "bad.py", "no/such/dir", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == ["skewlint: error: path does not exist: missing.py, no/such/dir"]
    assert result.stdout.startswith("bad.py:3:1: SKW103")
