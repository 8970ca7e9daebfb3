"""Positions and fixes computed only for what is reported: the ranges of the named nodes, and fixes'
text edits only when an output needs them. Both must give what the full computation gives."""
import json
import random
import subprocess

import pytest

from skewlint.run.engine import _parse, lint_text
from skewlint.run.positions import every, of
from skewlint.registry import registry
from skewlint.semantic.walk import descendants

from helpers import FIXTURES
from test_cache import SCRIPT

SOURCES = [p for p in sorted(FIXTURES.rglob("*.py")) if "syntax_error" not in p.name]
ENABLED = registry().select([{"select": ["ALL"]}])
FIXABLE = "import torch\nmodel = torch.hub.load('x', 'y')\nmodel.eval\nfor x in loader:\n    model(x)\n"


def _line_breaks(text: str, seed: int) -> str:
    """The text with its line breaks replaced by a random mix of \\n, \\r\\n and a lone \\r."""
    rows = text.split("\n")
    pick = random.Random(seed).choice
    return "".join(row + pick(["\n", "\r\n", "\r"]) for row in rows[:-1]) + rows[-1]


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_ranges_of_chosen_nodes_are_the_providers(path):
    text = path.read_text(encoding="utf-8")
    for variant, source in enumerate([text, _line_breaks(text, len(text))]):
        module = _parse(source)
        everything = every(module)
        nodes = list(descendants(module))
        pick = random.Random(variant).sample
        for size in (1, 5, 40, len(nodes)):
            chosen = pick(nodes, min(size, len(nodes)))
            assert of(module, chosen) == {node: everything[node] for node in chosen}


def test_nothing_wanted_costs_nothing():
    assert of(_parse("x = 1\n"), [None]) == {}


def test_fixes_without_edits_say_what_they_would_do():
    with_edits = lint_text(FIXABLE, "a.py", ENABLED).diagnostics
    declared = lint_text(FIXABLE, "a.py", ENABLED, edits=False).diagnostics
    assert [d.location for d in with_edits] == [d.location for d in declared]
    fixed = [(d, e) for d, e in zip(with_edits, declared) if d.fix]
    assert fixed
    for full, short in fixed:
        assert full.fix["edits"] and "edits" not in short.fix
        assert {k: full.fix[k] for k in ("applicability", "message")} == short.fix


@pytest.mark.slow
def test_a_cached_result_without_edits_is_not_reused_where_edits_are_needed(tmp_path):
    (tmp_path / "a.py").write_text(FIXABLE, encoding="utf-8")
    cache = str(tmp_path / "cache")
    concise = subprocess.run([SCRIPT, "check", "a.py", "--cache-dir", cache, "--unsafe-fixes"], cwd=tmp_path,
                             capture_output=True, text=True, timeout=120)
    assert "[*]" in concise.stdout
    report = subprocess.run([SCRIPT, "check", "a.py", "--cache-dir", cache, "--output-format", "json"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=120)
    fixes = [d["fix"] for d in json.loads(report.stdout) if d["fix"]]
    assert fixes and all(f["edits"] for f in fixes)


def test_an_import_cycle_is_parsed_once_per_file(tmp_path, monkeypatch):
    """The first file's lint summarizes its partner (a parse); the partner's own lint reuses it."""
    from skewlint.run import engine, runner

    (tmp_path / "a.py").write_text("import torch\nfrom b import evaluate\n\ndef build():\n    return torch.nn.Linear(2, 2)\n\nevaluate(build(), 1)\n",
                                   encoding="utf-8")
    (tmp_path / "b.py").write_text("import torch\nfrom a import build\n\ndef evaluate(model, x):\n    return model(x)\n\nevaluate(build(), 1)\n",
                                   encoding="utf-8")
    parsed = []
    real = engine._parse
    monkeypatch.setattr(engine, "_parse", lambda text: parsed.append(text) or real(text))
    jobs = [runner.Job(str(tmp_path / name), ENABLED, name) for name in ("a.py", "b.py")]
    outcomes = runner.run(jobs, 1)
    assert all(o.result is not None and o.result.parsed for o in outcomes)
    assert len(parsed) == 2 and len(set(parsed)) == 2
