"""In-process: the `--show-settings` text, `--statistics` with its fixable column, the `--watch`
polling loop (an injected sleep, no waiting), SARIF related locations of SKW401."""
import json
import os
import sys

import pytest

from helpers import lint
from skewlint.config.settings import Overrides, Resolver
from skewlint.config.show import settings_text
from skewlint.fix.command import APPLY, FixOptions, would_fix
from skewlint.report.output import statistics
from skewlint.report.sarif import sarif
from skewlint.run import watch

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

# Two SKW103 (a safe fix each) and one SKW201 (an unsafe fix).
FIXABLE = """
import torch
model = torch.hub.load("x", "y")
model.eval
model.eval


def evaluate(model, loader):
    model.eval()
    return [model(x) for x in loader]
"""


def test_show_settings_is_toml_that_reads_back(tmp_path):
    (tmp_path / "skewlint.toml").write_text(
        'select = ["SKW1"]\nper-file-ignores = { "tests/*" = ["SKW103"] }\nextend-exclude = ["q\\"uote"]\n'
        'normalization = { mean = [0.5], std = [0.25] }\n', encoding="utf-8")
    resolver = Resolver(Overrides(ignore=["SKW104"]), cwd=str(tmp_path))
    settings = resolver.for_path(str(tmp_path / "tests" / "t.py"))
    text = settings_text("tests/t.py", settings, settings.enabled_for(str(tmp_path / "tests" / "t.py")),
                         True, False, "json")
    assert text.startswith(f"# Resolved settings for: tests/t.py\n# Settings path: {tmp_path / 'skewlint.toml'}\n")
    data = tomllib.loads(text)
    assert data["enabled"] == ["SKW101", "SKW102", "SKW105", "SKW106", "SKW999"]  # per-file-ignores applied
    assert data["per-file-ignores"] == {"tests/*": ["SKW103"]}
    assert data["extend-exclude"] == ['q"uote'] and data["root"] == str(tmp_path)
    assert data["normalization"] == [{"files": "", "mean": [0.5], "std": [0.25]}]
    assert (data["fix"], data["unsafe-fixes"], data["output-format"]) == (True, False, "json")
    assert data["force-exclude"] is False and data["respect-gitignore"] is True


def test_show_settings_names_the_defaults_and_the_extended_files(tmp_path):
    resolver = Resolver(Overrides(), cwd=str(tmp_path))
    settings = resolver.for_path(str(tmp_path))
    assert "# Settings path: none (the defaults)\n" in settings_text(".", settings, settings.enabled, False, False,
                                                                      "concise")
    (tmp_path / "base.toml").write_text("fix = true\n", encoding="utf-8")
    (tmp_path / "skewlint.toml").write_text('extend = "base.toml"\n', encoding="utf-8")
    settings = Resolver(Overrides(), cwd=str(tmp_path)).for_path(str(tmp_path))
    text = settings_text(".", settings, settings.enabled, False, False, "concise")
    assert f"# Extends: {tmp_path / 'base.toml'}\n" in text


def test_statistics_marks_the_rules_a_fix_would_fix():
    found = sorted(lint(FIXABLE), key=lambda d: d.sort_key())
    safe_only = FixOptions()
    text = statistics(found, "concise", lambda d: would_fix(d, safe_only))
    assert text == "2\tSKW103\t[*] mode-method-not-called\n1\tSKW201\t[ ] missing-no-grad\n"
    unsafe = FixOptions(unsafe=True)
    assert "1\tSKW201\t[*] missing-no-grad\n" in statistics(found, "concise", lambda d: would_fix(d, unsafe))
    # After --fix nothing that remains is fixable; without any fixable rule there is no column.
    fixed = FixOptions(mode=APPLY)
    assert statistics(found, "concise", lambda d: would_fix(d, fixed)) == (
        "2\tSKW103\tmode-method-not-called\n1\tSKW201\tmissing-no-grad\n")
    rows = json.loads(statistics(found, "json", lambda d: would_fix(d, safe_only)))
    assert rows == [{"code": "SKW103", "count": 2, "fixable": True, "name": "mode-method-not-called"},
                    {"code": "SKW201", "count": 1, "fixable": False, "name": "missing-no-grad"}]


def test_sarif_gives_skw401_its_training_normalization_as_a_related_location():
    source = """
    import torchvision.transforms as T
    train_tf = T.Compose([T.ToTensor(), T.Normalize((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))])
    val_tf = T.Compose([T.ToTensor(), T.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))])
    """
    (found,) = [d for d in lint(source, select=["SKW401"])]
    (result,) = json.loads(sarif([found], {}))["runs"][0]["results"]
    (related,) = result["relatedLocations"]
    assert related["message"]["text"] == "the training normalization"
    assert related["physicalLocation"]["region"]["startLine"] == 3
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 4


class Clock:
    """A fake `sleep` that edits the files on chosen polls (no real waiting)."""

    def __init__(self, edits):
        self.edits, self.polls = edits, 0

    def __call__(self, seconds):
        self.polls += 1
        self.edits.get(self.polls, lambda: None)()


def test_watch_runs_again_only_after_a_change(tmp_path):
    a, b = tmp_path / "a.py", tmp_path / "b.py"
    a.write_text("x = 1\n", encoding="utf-8")
    listed = [str(a)]
    runs, announced = [], []

    def grow():
        a.write_text("x = 10\n", encoding="utf-8")  # another size: seen whatever the clock's resolution

    def add():
        b.write_text("y = 1\n", encoding="utf-8")
        listed.append(str(b))

    def remove():
        a.unlink()

    clock = Clock({2: grow, 4: add, 6: remove})
    watch.watch(lambda: runs.append(clock.polls), lambda: list(listed), announced.append, sleep=clock, polls=8)
    assert runs == [0, 2, 4, 6]  # once at the start, then after each change, not on quiet polls
    assert announced == [[str(a)], [str(b)], [str(a)]]


def test_watch_sees_a_change_made_while_it_runs(tmp_path):
    """`--fix` rewrites files during a run: the next poll lints them again, once."""
    a = tmp_path / "a.py"
    a.write_text("x = 1\n", encoding="utf-8")
    runs = []

    def run():
        runs.append(1)
        if len(runs) == 1:
            a.write_text("x = 100\n", encoding="utf-8")

    watch.watch(run, lambda: [str(a)], lambda changed: None, sleep=lambda s: None, polls=3)
    assert len(runs) == 2


def test_watch_stops_on_ctrl_c(tmp_path, monkeypatch):
    from skewlint.run import stop

    monkeypatch.setattr(stop, "SIGNALLED", [2])  # the handler recorded SIGINT during a sleep
    with pytest.raises(KeyboardInterrupt):
        watch.watch(lambda: None, lambda: [], lambda changed: None, sleep=lambda s: None)


def test_snapshot_and_changed(tmp_path):
    a = tmp_path / "a.py"
    a.write_text("x\n", encoding="utf-8")
    before = watch.snapshot([str(a), str(tmp_path / "missing.py")])
    assert list(before) == [os.path.abspath(a)]
    a.write_text("xy\n", encoding="utf-8")
    assert watch.changed(before, watch.snapshot([str(a)])) == [os.path.abspath(a)]
    assert watch.changed(before, before) == []
