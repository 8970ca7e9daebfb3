"""Fingerprints that survive unrelated edits: no line numbers, only what the finding is about.

A fingerprint hashes the path, the rule code, the normalized source line and the occurrence index of
that (path, code, line) triple in the file, so two identical findings on identical lines stay distinct
and adding code above a finding does not change it. GitLab and SARIF consumers match findings across
runs by these.
"""
from __future__ import annotations

import hashlib
from collections import Counter
from typing import Dict, List

from skewlint.report.source_lines import line_of, normalized


def key(diagnostic, sources) -> tuple:
    path = diagnostic.filename.replace("\\", "/")
    return (path, diagnostic.code, normalized(line_of(diagnostic, sources)))


def fingerprints(diagnostics: List, sources: Dict) -> List[str]:
    """One fingerprint per diagnostic, in order (the diagnostics must be sorted by position)."""
    seen: Counter = Counter()
    out = []
    for diagnostic in diagnostics:
        parts = key(diagnostic, sources)
        index = seen[parts]
        seen[parts] += 1
        text = "\0".join(parts + (str(index),))
        out.append(hashlib.sha256(text.encode("utf-8")).hexdigest())
    return out
