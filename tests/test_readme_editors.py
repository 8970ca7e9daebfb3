"""The editor setups in the README parse what the console script really prints."""
import json
import re

import pytest

from helpers import ROOT
from test_cli import BUGGY, run, write

pytestmark = pytest.mark.slow  # every test runs the console script

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _block(language, containing):
    for block in re.findall(rf"```{language}\n(.*?)```", README, re.S):
        if containing in block:
            return block
    raise AssertionError(f"no ```{language} block with {containing!r} in README")


def _output(tmp_path):
    write(tmp_path, "pkg/train.py", BUGGY + "model.training = False\n")
    return run("check", "--quiet", "--stdin-filename", str(tmp_path / "pkg" / "train.py"), "-",
               cwd=tmp_path, stdin=BUGGY + "model.training = False\n").stdout


def test_vscode_problem_matcher(tmp_path):
    matcher = json.loads(_block("json", "problemMatcher"))["tasks"][0]["problemMatcher"]
    pattern = matcher["pattern"]
    lines = _output(tmp_path).splitlines()
    matches = [re.match(pattern["regexp"], line) for line in lines]
    assert len(lines) == 2 and all(matches)
    first = matches[0]
    assert first.group(pattern["file"]) == "pkg/train.py"
    assert (first.group(pattern["line"]), first.group(pattern["column"]), first.group(pattern["code"])) == ("3", "1", "SKW103")
    assert first.group(pattern["message"]).startswith("`model.eval` is not called")
    assert not re.match(pattern["regexp"], "nb.ipynb:cell 3:12:5: SKW103 x")


def test_nvim_lint_pattern(tmp_path):
    lua = _block("lua", "lint.linters.skewlint")
    pattern = re.search(r'from_pattern\(\s*"([^"]+)"', lua).group(1)
    assert "--stdin-filename" in lua and '"-"' in lua
    # Lua's %d is \d; the rest of this pattern means the same in both.
    regex = pattern.replace("%d", r"\d")
    match = re.match(regex, _output(tmp_path).splitlines()[1])
    assert match and match.groups()[:3] == ("4", "1", "SKW104")


def test_emacs_flymake_backend(tmp_path):
    """Runs the README's Flymake backend in a batch Emacs, where Emacs is installed."""
    import os
    import shutil
    import subprocess
    import sys

    import pytest

    emacs = shutil.which("emacs")
    if emacs is None:
        pytest.skip("Emacs is not installed")
    (tmp_path / "skewlint-flymake.el").write_text(_block("elisp", "flymake-diagnostic-functions"))
    (tmp_path / "train.py").write_text("import torch\nmodel = torch.hub.load('x', 'y')\nif True:\n    model.eval\n")
    (tmp_path / "drive.el").write_text("""
(load (expand-file-name "skewlint-flymake.el"))
(find-file (expand-file-name "train.py"))
(defvar skewlint-test-result 'waiting)
(skewlint-flymake (lambda (reported &rest _) (setq skewlint-test-result reported)))
(while (eq skewlint-test-result 'waiting) (accept-process-output nil 0.1))
(dolist (d skewlint-test-result)
  (princ (format "%S|%s\\n" (buffer-substring-no-properties (flymake-diagnostic-beg d) (flymake-diagnostic-end d))
                 (flymake-diagnostic-text d))))
""")
    env = {**os.environ, "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")}
    result = subprocess.run([emacs, "--batch", "-Q", "-l", "drive.el"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.stdout.splitlines() == ['"model.eval"|SKW103 `model.eval` is not called, so the mode does not '
                                          'change; write `model.eval()`'], result.stderr
