"""The fuzzing invariant: linting any bytes returns a well-formed result and never raises.

Shared by tests/test_fuzz.py (Hypothesis) and tests/crash_hunt.py (real code, mutated).
"""
from __future__ import annotations

from skewlint.run.engine import SYNTAX_ERROR, lint_bytes, lint_text
from skewlint.registry import registry

ALL = registry().select([{"select": ["ALL"]}])
_KNOWN = frozenset(registry().rules)


def check_bytes(data: bytes, name: str = "fuzzed.py"):
    """lint_bytes with every rule on; an exception propagates to the caller (that is the crash)."""
    result = lint_bytes(data, name, ALL)
    _check(result, name)
    return result


def check_text(text: str, name: str = "fuzzed.py"):
    """lint_text: no prefilter, so generated code without a framework's name is analysed too."""
    result = lint_text(text, name, ALL)
    _check(result, name)
    return result


def _check(result, name: str) -> None:
    assert result.path == name
    for diagnostic in result.diagnostics:
        assert diagnostic.code in _KNOWN, diagnostic
        assert diagnostic.location.row >= 1 and diagnostic.location.column >= 1, diagnostic
        assert diagnostic.end_location.row >= diagnostic.location.row, diagnostic
        assert diagnostic.message, diagnostic
    if any(d.code == SYNTAX_ERROR and d.cell is None for d in result.diagnostics):
        # A file that could not be analysed gets exactly one SKW999 and nothing else.
        assert [d.code for d in result.diagnostics] == [SYNTAX_ERROR], result.diagnostics
    # A notebook's cells that do not parse are left out of its module and the others linted
    # (notebook.module_of): one SKW999 per such cell, and nothing else in it.
    broken = [d.cell for d in result.diagnostics if d.code == SYNTAX_ERROR and d.cell is not None]
    assert len(broken) == len(set(broken)), result.diagnostics
    assert not [d for d in result.diagnostics if d.code != SYNTAX_ERROR and d.cell in broken], result.diagnostics
