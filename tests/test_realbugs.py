"""The real-bug benchmark: its manifest is well formed, and its runner scores hits, misses, fixed
versions and negatives correctly on a small git repository made here (the real mirrors are not in CI)."""
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # the real-bug corpus and its git checkouts

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks" / "realbugs"
spec = importlib.util.spec_from_file_location("realbugs_run", BENCH / "run.py")
realbugs = importlib.util.module_from_spec(spec)
sys.modules["realbugs_run"] = realbugs  # dataclasses look their module up by name
spec.loader.exec_module(realbugs)

SHA = re.compile(r"[0-9a-f]{40}")
LINES = re.compile(r"-|(\d+:)?\d+(-\d+)?(\|(\d+:)?\d+(-\d+)?)*")
GIT = shutil.which("git")
ENV = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
       "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid",
       "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}


def test_manifest_is_well_formed():
    cases = realbugs.read_cases(BENCH / "cases.tsv")
    ids = [c.id for c in cases]
    assert len(ids) == len(set(ids)), "case ids must be unique"
    for case in cases:
        where = f"case {case.id}"
        assert case.kind in ("bug", "negative", "rejected"), where
        assert re.fullmatch(r"[\w.-]+/[\w.-]+", case.repo), where
        assert SHA.fullmatch(case.bug_commit), where
        assert case.fix_commit == "-" or SHA.fullmatch(case.fix_commit), where
        assert case.kind != "negative" or case.fix_commit == "-", where
        assert LINES.fullmatch(case.lines), where
        assert case.kind == "negative" or case.lines != "-", f"{where}: a bug names its lines"
        assert case.context in ("file", "project"), where
        codes = case.rules.split("|")
        assert all(re.fullmatch(r"SKW[1-4]\d\d", code) for code in codes), where
        assert len({code[3] for code in codes}) == 1, f"{where}: one family per case"
        assert case.evidence and case.description, where


def git(*args, cwd):
    return subprocess.run([GIT, *args], cwd=cwd, env=ENV, check=True, capture_output=True, text=True).stdout.strip()


INLINE = """\
    import torch
    import torchvision

    model = torchvision.models.resnet18()
    model.load_state_dict(torch.load("weights.pt"))
    with torch.no_grad():
        for x in loader:
            print(model(x))
"""


@pytest.fixture
def mirrors(tmp_path):
    """A mirror `acme/vision` with a bug commit and its fix: an inference script in a package."""
    if GIT is None:
        pytest.skip("needs git")
    repo = tmp_path / "mirrors" / "acme+vision" / "repo"
    work = tmp_path / "work"
    work.mkdir()
    git("init", "--quiet", cwd=work)
    (work / "models.py").write_text("import torch.nn as nn\nclass Net(nn.Module):\n    pass\n")
    (work / "README.md").write_text("not laid out\n")
    (work / "predict.py").write_text(textwrap.dedent(INLINE))
    git("add", "-A", cwd=work)
    git("commit", "--quiet", "-m", "bug", cwd=work)
    bug = git("rev-parse", "HEAD", cwd=work)
    (work / "predict.py").write_text(textwrap.dedent(INLINE).replace("model.load_state_dict",
                                                                     "model.eval()\nmodel.load_state_dict"))
    git("commit", "--quiet", "-am", "fix", cwd=work)
    fix = git("rev-parse", "HEAD", cwd=work)
    git("clone", "--quiet", "--bare", str(work), str(repo), cwd=tmp_path)
    return tmp_path / "mirrors", repo, bug, fix


def write_cases(path, rows):
    lines = ["\t".join(realbugs.COLUMNS), "# a comment line"]
    lines += ["\t".join(row) for row in rows]
    path.write_text("\n".join(lines) + "\n")


def test_lay_out_writes_the_sources_of_the_tree(mirrors, tmp_path):
    _, repo, bug, _ = mirrors
    into = tmp_path / "laid"
    assert realbugs.lay_out(repo, bug, "predict.py", into)
    assert sorted(p.name for p in into.iterdir()) == ["models.py", "predict.py", "skewlint.toml"]
    assert not realbugs.lay_out(repo, bug, "nope.py", tmp_path / "other")
    assert not realbugs.lay_out(repo, "0" * 40, "predict.py", tmp_path / "other")


def test_runner_scores_hits_misses_fixes_and_negatives(mirrors, tmp_path):
    root, _, bug, fix = mirrors
    common = ["acme/vision", bug]
    rows = [
        ["hit", "bug", *common, fix, "predict.py", "3|8", "SKW101", "file", "e", "d"],
        ["unchanged", "bug", *common, bug, "predict.py", "8", "SKW101", "file", "e", "a fix that fixes nothing"],
        ["wrong-line", "bug", *common, fix, "predict.py", "2", "SKW101", "file", "e", "d"],
        ["wrong-rule", "bug", *common, "-", "predict.py", "8", "SKW301", "file", "e", "d"],
        ["neg-clean", "negative", *common, "-", "models.py", "-", "SKW101", "file", "e", "d"],
        ["neg-fires", "negative", *common, "-", "predict.py", "-", "SKW101|SKW102", "file", "e", "d"],
        ["no-mirror", "bug", "acme/other", bug, fix, "predict.py", "8", "SKW101", "file", "e", "d"],
        ["gone", "rejected", *common, fix, "predict.py", "8", "SKW101", "file", "e", "not a bug"],
    ]
    cases = tmp_path / "cases.tsv"
    write_cases(cases, rows)
    out = tmp_path / "out.json"
    done = subprocess.run([sys.executable, str(BENCH / "run.py"), "--mirrors", str(root), "--cases", str(cases),
                           "--json", str(out), "--skewlint", f"{sys.executable} -m skewlint"],
                          capture_output=True, text=True, check=True)
    outcomes = {o["id"]: o for o in json.loads(out.read_text())}
    assert "gone" not in outcomes
    assert (outcomes["hit"]["status"], outcomes["hit"]["fixed"]) == ("hit", "clean")
    assert (outcomes["unchanged"]["status"], outcomes["unchanged"]["fixed"]) == ("hit", "dirty")
    assert outcomes["wrong-line"]["status"] == "miss"
    assert outcomes["wrong-line"]["findings"] == ["SKW101@8"]
    assert (outcomes["wrong-rule"]["status"], outcomes["wrong-rule"]["fixed"]) == ("miss", "-")
    assert outcomes["neg-clean"]["status"] == "clean"
    assert outcomes["neg-fires"]["status"] == "fires"
    assert outcomes["no-mirror"]["status"] == "skip"
    assert "1 case(s) skipped" in done.stdout
    summary = {line.split()[0]: line.split()[1:] for line in done.stdout.split("family", 1)[1].splitlines()[1:]}
    assert summary["mode"][:2] == ["2/3", "67%"] and summary["mode"][-4:] == ["2/3", "67%", "1/2", "50%"]
    assert summary["pipelines"][:2] == ["0/1", "0%"]


def test_only_and_family_select_cases(mirrors, tmp_path):
    root, _, bug, fix = mirrors
    cases = tmp_path / "cases.tsv"
    write_cases(cases, [["a", "bug", "acme/vision", bug, fix, "predict.py", "8", "SKW101", "file", "e", "d"],
                        ["b", "bug", "acme/vision", bug, fix, "predict.py", "8", "SKW201", "file", "e", "d"]])
    command = [sys.executable, str(BENCH / "run.py"), "--mirrors", str(root), "--cases", str(cases),
               "--skewlint", f"{sys.executable} -m skewlint"]
    only = subprocess.run([*command, "--only", "b"], capture_output=True, text=True, check=True).stdout
    family = subprocess.run([*command, "--family", "mode"], capture_output=True, text=True, check=True).stdout
    assert [line.split()[1] for line in only.splitlines()[:1]] == ["b"]
    assert "autograd" in only and "mode" not in only.split("family", 1)[1].split("all")[0]
    assert " a " in family and " b " not in family
    unknown = subprocess.run([*command, "--only", "zzz"], capture_output=True, text=True)
    assert unknown.returncode == 2 and "zzz" in unknown.stderr


def test_fixed_places_follow_the_fix():
    before = [(None, 1, "a"), (None, 2, "b"), (None, 3, "c"), (None, 4, "d")]
    after = [(None, 1, "a"), (None, 2, "new"), (None, 3, "b"), (None, 4, "C"), (None, 5, "C2"), (None, 6, "d")]
    kept, rewritten = [(None, 2, 2)], [(None, 3, 3)]
    assert realbugs.moved_places(kept, before, after) == [(None, 3, 3)]
    assert realbugs.moved_places(rewritten, before, after) == [(None, 4, 4), (None, 5, 5)]
    assert realbugs.moved_places(rewritten, before, before[:2] + before[3:]) == []  # deleted
    cells = [(1, 1, "x"), (2, 1, "y")]
    assert realbugs.moved_places([(2, 1, 1)], cells, [(1, 1, "x"), (2, 1, "z"), (3, 1, "y")]) == [(3, 1, 1)]
