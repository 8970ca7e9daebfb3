"""SARIF 2.1.0, the format GitHub code scanning and most security dashboards import.

URIs are relative to the working directory under the `%SRCROOT%` base (GitHub resolves them against
the checkout); paths outside it become absolute `file:` URIs. Every registered rule is listed with
its documentation, so `ruleIndex` is stable across runs whatever was found.
"""
from __future__ import annotations

import json
import os
from pathlib import Path, PurePath
from typing import Dict, List
from urllib.parse import quote

from skewlint import __version__
from skewlint.diagnostics import related_locations
from skewlint.report.fingerprints import fingerprints
from skewlint.registry import registry

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/skewlint/skewlint"
LEVELS = {"error": "error", "warning": "warning", "info": "note"}
FINGERPRINT_KEY = "skewlint/v1"


def _artifact(filename: str) -> dict:
    if filename == "-":
        return {"uri": "stdin"}
    path = PurePath(filename)
    if path.is_absolute():
        return {"uri": Path(filename).as_uri()}
    return {"uri": quote(path.as_posix()), "uriBaseId": "%SRCROOT%"}


def _region(location, end=None) -> dict:
    region = {"startLine": location.row, "startColumn": location.column}
    if end is not None and (end.row, end.column) >= (location.row, location.column):
        region.update(endLine=end.row, endColumn=end.column)
    return region


def _physical(diagnostic, location, end=None, filename=None) -> dict:
    filename = filename or diagnostic.filename
    physical = {"artifactLocation": _artifact(filename)}
    # A notebook's rows count within a cell, not within the .ipynb file: no region then, the cell is
    # named in the message and the properties (in the note, for a related location in another notebook).
    if diagnostic.cell is None if filename == diagnostic.filename else not filename.endswith(".ipynb"):
        physical["region"] = _region(location, end)
    return physical


def _rule(rule) -> dict:
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": " ".join(rule.what_it_does.split())},
        "help": {"text": rule.documentation(), "markdown": rule.documentation()},
        "helpUri": rule.url(),
        "defaultConfiguration": {"level": LEVELS[rule.severity], "enabled": bool(rule.default)},
        "properties": {"tags": [rule.family]},
    }


def _fix(diagnostic) -> dict:
    """The fix as SARIF replacements; regions end exclusive, as ours do (an insertion is empty).
    SARIF has no applicability: it is in the properties."""
    fix = diagnostic.fix
    replacements = [
        {"deletedRegion": {"startLine": e["location"]["row"], "startColumn": e["location"]["column"],
                           "endLine": e["end_location"]["row"], "endColumn": e["end_location"]["column"]},
         "insertedContent": {"text": e.get("content") or ""}}
        for e in fix["edits"]
    ]
    return {
        "description": {"text": fix.get("message") or ""},
        "artifactChanges": [{"artifactLocation": _artifact(diagnostic.filename), "replacements": replacements}],
        "properties": {"applicability": fix.get("applicability")},
    }


def _result(diagnostic, index: int, fingerprint: str) -> dict:
    message = diagnostic.message
    if diagnostic.cell is not None:
        message = f"cell {diagnostic.cell}, line {diagnostic.location.row}: {message}"
    result = {
        "ruleId": diagnostic.code,
        "ruleIndex": index,
        "level": LEVELS.get(diagnostic.severity, "warning"),
        "message": {"text": message},
        "locations": [{"physicalLocation": _physical(diagnostic, diagnostic.location, diagnostic.end_location)}],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint},
    }
    if diagnostic.related:
        result["relatedLocations"] = [
            {"id": number, "physicalLocation": _physical(diagnostic, location, filename=filename),
             "message": {"text": note}}
            for number, (location, note, filename) in enumerate(related_locations(diagnostic), start=1)
        ]
    if diagnostic.fix and diagnostic.cell is None:
        result["fixes"] = [_fix(diagnostic)]
    if diagnostic.cell is not None:
        result["properties"] = {"cell": diagnostic.cell, "row": diagnostic.location.row,
                                "column": diagnostic.location.column}
    return result


def sarif(diagnostics: List, sources: Dict) -> str:
    rules = list(registry())
    index = {rule.code: number for number, rule in enumerate(rules)}
    run = {
        "tool": {
            "driver": {
                "name": "skewlint",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": INFORMATION_URI,
                "rules": [_rule(rule) for rule in rules],
            }
        },
        "originalUriBaseIds": {"%SRCROOT%": {"uri": Path(os.getcwd()).as_uri().rstrip("/") + "/"}},
        "results": [
            _result(d, index[d.code], fingerprint)
            for d, fingerprint in zip(diagnostics, fingerprints(diagnostics, sources))
        ],
        "columnKind": "unicodeCodePoints",
    }
    document = {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}
    return json.dumps(document, indent=2, sort_keys=True) + "\n"
