"""Shared test helpers: lint source text with a chosen rule set, and read fixture expectations."""
from __future__ import annotations

import re
import textwrap
from pathlib import Path

from skewlint.run.engine import lint_text
from skewlint.registry import registry

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
_MARK = re.compile(r"#\s*error:\s*(SKW\d{3}(?:\s*,\s*SKW\d{3})*)")


def lint(source: str, select=("ALL",), path="example.py"):
    enabled = registry().select([{"select": list(select)}])
    return lint_text(textwrap.dedent(source), path, enabled).diagnostics


def codes(source: str, select=("ALL",)):
    return sorted((d.location.row, d.code) for d in lint(source, select))


def expected_marks(text: str):
    """The (row, code) pairs a fixture declares with `# error: SKWnnn` comments."""
    marks = set()
    for row, line in enumerate(text.splitlines(), start=1):
        match = _MARK.search(line)
        if match:
            marks |= {(row, code.strip()) for code in match.group(1).split(",")}
    return marks
