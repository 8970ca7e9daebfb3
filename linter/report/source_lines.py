"""The source lines diagnostics point at: quoted by `full`, and the key of fingerprints and baselines.

Lines are keyed by (filename, cell): a notebook's rows count from the top of their cell, so its lines
come from the cells, not from the notebook's JSON.
"""
from __future__ import annotations

from typing import Dict, Iterable, List, Optional, Tuple

from skewlint.diagnostics import Diagnostic

Key = Tuple[str, Optional[int]]
Sources = Dict[Key, List[str]]  # (filename, cell) -> the lines of the file or the notebook cell


def load(diagnostics: Iterable[Diagnostic], given: Optional[Dict[str, bytes]] = None) -> Sources:
    """Read the files the diagnostics name. `given` holds the bytes of code read from stdin, by name."""
    from skewlint.run import notebook
    from skewlint.run.source import SourceError, decode, read_bytes

    sources: Sources = {}
    for filename in sorted({d.filename for d in diagnostics}):
        try:
            if given and filename in given:
                data = given[filename]
            else:
                data = read_bytes(filename)
            if notebook.is_notebook(filename):
                for cell, lines in notebook.cell_lines(data).items():
                    sources[(filename, cell)] = lines
            else:
                sources[(filename, None)] = decode(data).text.splitlines()
        except (SourceError, ValueError):
            pass  # unreadable now: formats fall back to an empty line
    return sources


def line_of(diagnostic: Diagnostic, sources: Sources) -> Optional[str]:
    lines = sources.get((diagnostic.filename, diagnostic.cell))
    row = diagnostic.location.row
    if lines is None or not 0 < row <= len(lines):
        return None
    return lines[row - 1].rstrip("\r\n")


def normalized(line: Optional[str]) -> str:
    """Whitespace-insensitive, so re-indenting a block does not change a fingerprint."""
    return " ".join((line or "").split())
