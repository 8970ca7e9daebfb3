"""Baselines: adopt skewlint in an existing codebase by recording today's findings and reporting
only new ones.

An entry is (path, rule code, normalized source line) with a count, not a line number, so edits
elsewhere in a file do not invalidate it; a count lets two identical findings in one file be
baselined and a third be reported. Paths are stored relative to the baseline file's directory, so
the baseline works from any working directory. Syntax errors (SKW999) are never baselined: a file
that does not parse hides every other finding in it.
"""
from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass
from typing import Dict, Iterable, List, Tuple

from skewlint import atomic_write
from skewlint.config.settings import ConfigError
from skewlint.report.source_lines import line_of, normalized

VERSION = 1
NEVER_BASELINED = frozenset({"SKW999"})


def _path(filename: str, root: str) -> str:
    if filename == "-":
        return filename
    return os.path.relpath(os.path.abspath(filename), root).replace(os.sep, "/")


def _key(diagnostic, sources, root: str) -> Tuple[str, str, str]:
    return (_path(diagnostic.filename, root), diagnostic.code, normalized(line_of(diagnostic, sources)))


@dataclass
class Outcome:
    kept: List
    baselined: int  # findings hidden because the baseline records them
    stale: int  # baseline entries that matched nothing (fixed since)


class Baseline:
    def __init__(self, entries: Counter, root: str):
        self.entries = entries
        self.root = root

    @classmethod
    def load(cls, path: str) -> "Baseline":
        try:
            with open(path, encoding="utf-8") as handle:
                document = json.load(handle)
        except FileNotFoundError:
            raise ConfigError(f"{path}: baseline file not found (create it with --write-baseline)") from None
        except (OSError, ValueError) as error:
            raise ConfigError(f"{path}: could not read baseline: {error}") from None
        if not isinstance(document, dict) or document.get("version") != VERSION:
            raise ConfigError(f"{path}: not a skewlint baseline (version {VERSION} expected)")
        entries: Counter = Counter()
        try:
            for entry in document["findings"]:
                entries[(entry["path"], entry["code"], entry["line"])] += int(entry.get("count", 1))
        except (KeyError, TypeError, ValueError) as error:
            raise ConfigError(f"{path}: malformed baseline entry: {error}") from None
        return cls(entries, os.path.dirname(os.path.abspath(path)))

    def apply(self, diagnostics: List, sources: Dict, linted: Iterable[str] = ()) -> Outcome:
        """Hide the recorded findings. Entries count as stale only for files that were linted:
        pre-commit lints the changed files, and the others' entries are not fixed for that."""
        remaining = Counter(self.entries)
        kept = []
        for diagnostic in diagnostics:
            key = _key(diagnostic, sources, self.root)
            if diagnostic.code not in NEVER_BASELINED and remaining[key] > 0:
                remaining[key] -= 1
            else:
                kept.append(diagnostic)
        baselined = len(diagnostics) - len(kept)
        paths = {_path(filename, self.root) for filename in linted}
        stale = sum(count for (path, _, _), count in remaining.items() if path in paths)
        return Outcome(kept, baselined, stale)


def write(path: str, diagnostics: List, sources: Dict) -> int:
    """Record the findings in `path`; returns how many were recorded."""
    root = os.path.dirname(os.path.abspath(path))
    counts = Counter(_key(d, sources, root) for d in diagnostics if d.code not in NEVER_BASELINED)
    findings = [
        {"path": p, "code": code, "line": line, "count": count}
        for (p, code, line), count in sorted(counts.items())
    ]
    document = {"version": VERSION, "tool": "skewlint", "findings": findings}
    # atomic: an interrupted run never leaves half a baseline, nor a temporary file
    atomic_write.write_text(path, json.dumps(document, indent=2, sort_keys=True) + "\n")
    return sum(counts.values())
