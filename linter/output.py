"""Output formats. Each formatter takes the sorted diagnostics and returns the text to print."""
from __future__ import annotations

import json
from collections import Counter
from typing import Callable, Dict, List, Optional

from skewlint.diagnostics import Diagnostic


def _position(d: Diagnostic) -> str:
    cell = f"cell {d.cell}:" if d.cell is not None else ""
    return f"{d.filename}:{cell}{d.location.row}:{d.location.column}"


def concise(diagnostics: List[Diagnostic], sources: Dict[str, str]) -> str:
    """`path:row:col: CODE message`, the line editors' problem matchers parse."""
    return "".join(
        f"{_position(d)}: {d.code}{' [*]' if d.fix else ''} {d.message}\n" for d in diagnostics
    )


def full(diagnostics: List[Diagnostic], sources: Dict[str, str]) -> str:
    """Each diagnostic with its source line, a caret marker and the evidence notes."""
    out = []
    for d in diagnostics:
        out.append(f"{_position(d)}: {d.code} [{d.severity}] {d.message}\n")
        lines = sources.get(d.filename)
        if lines is not None and 0 < d.location.row <= len(lines):
            line = lines[d.location.row - 1].rstrip("\r\n")
            gutter = " " * len(str(d.location.row))
            width = (
                d.end_location.column - d.location.column
                if d.end_location.row == d.location.row
                else len(line) - d.location.column + 1
            )
            out.append(f"{gutter} |\n{d.location.row} | {line}\n")
            out.append(f"{gutter} | {' ' * (d.location.column - 1)}{'^' * max(1, width)} {d.name}\n")
        for location, note in d.related:
            out.append(f"  = note: line {location.row}: {note}\n")
        if d.url:
            out.append(f"  = help: {d.url}\n")
        out.append("\n")
    return "".join(out)


def json_format(diagnostics: List[Diagnostic], sources: Dict[str, str]) -> str:
    return json.dumps([d.as_dict() for d in diagnostics], indent=2, sort_keys=True) + "\n"


def json_lines(diagnostics: List[Diagnostic], sources: Dict[str, str]) -> str:
    return "".join(json.dumps(d.as_dict(), sort_keys=True) + "\n" for d in diagnostics)


FORMATS: Dict[str, Callable[[List[Diagnostic], Dict[str, str]], str]] = {
    "concise": concise,
    "full": full,
    "json": json_format,
    "json-lines": json_lines,
}
# Formats meant for people: they get a summary line (unless --quiet).
HUMAN_FORMATS = frozenset({"concise", "full"})


def statistics(diagnostics: List[Diagnostic], output_format: str) -> str:
    counts = Counter((d.code, d.name) for d in diagnostics)
    rows = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    if output_format in ("json", "json-lines"):
        return json.dumps(
            [{"code": code, "name": name, "count": count} for (code, name), count in rows],
            indent=2, sort_keys=True,
        ) + "\n"
    width = max((len(str(count)) for count in counts.values()), default=1)
    return "".join(f"{count:>{width}}\t{code}\t{name}\n" for (code, name), count in rows)


def summary(count: int, files: int) -> Optional[str]:
    if count == 0:
        return "All checks passed!\n"
    noun = "diagnostic" if count == 1 else "diagnostics"
    return f"Found {count} {noun} in {files} file{'s' if files != 1 else ''}.\n"
