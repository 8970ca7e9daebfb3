"""Output formats. Each formatter takes the sorted diagnostics and returns the text to print."""
from __future__ import annotations

import json
from collections import Counter
from typing import Callable, Dict, List, Optional

from skewlint.diagnostics import Diagnostic, related_locations
from skewlint.report.fingerprints import fingerprints
from skewlint.report.source_lines import Sources, line_of


def _position(d: Diagnostic) -> str:
    cell = f"cell {d.cell}:" if d.cell is not None else ""
    return f"{d.filename}:{cell}{d.location.row}:{d.location.column}"


def concise(diagnostics: List[Diagnostic], sources: Sources) -> str:
    """`path:row:col: CODE message`, the line editors' problem matchers parse."""
    return "".join(
        f"{_position(d)}: {d.code}{' [*]' if d.fix else ''} {d.message}\n" for d in diagnostics
    )


def full(diagnostics: List[Diagnostic], sources: Sources) -> str:
    """Each diagnostic with its source line, a caret marker and the evidence notes."""
    out = []
    for d in diagnostics:
        out.append(f"{_position(d)}: {d.code} [{d.severity}] {d.message}\n")
        line = line_of(d, sources)
        if line is not None:
            gutter = " " * len(str(d.location.row))
            width = (
                d.end_location.column - d.location.column
                if d.end_location.row == d.location.row
                else len(line) - d.location.column + 1
            )
            out.append(f"{gutter} |\n{d.location.row} | {line}\n")
            out.append(f"{gutter} | {' ' * (d.location.column - 1)}{'^' * max(1, width)} {d.name}\n")
        for location, note, filename in related_locations(d):
            where = f"line {location.row}" if filename == d.filename else f"{filename}:{location.row}:{location.column}"
            out.append(f"  = note: {where}: {note}\n")
        if d.fix:
            out.append(f"  = fix ({d.fix.get('applicability')}): {d.fix.get('message')}\n")
        if d.url:
            out.append(f"  = help: {d.url}\n")
        out.append("\n")
    return "".join(out)


def json_format(diagnostics: List[Diagnostic], sources: Sources) -> str:
    return json.dumps([d.as_dict() for d in diagnostics], indent=2, sort_keys=True) + "\n"


def json_lines(diagnostics: List[Diagnostic], sources: Sources) -> str:
    return "".join(json.dumps(d.as_dict(), sort_keys=True) + "\n" for d in diagnostics)


def _github_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _github_property(text: str) -> str:
    return _github_data(text).replace(":", "%3A").replace(",", "%2C")


GITHUB_LEVELS = {"error": "error", "warning": "warning", "info": "notice"}


def github(diagnostics: List[Diagnostic], sources: Sources) -> str:
    """GitHub Actions workflow commands: each finding becomes an annotation on the pull request."""
    out = []
    for d in diagnostics:
        properties = [f"file={_github_property(d.filename)}"]
        message = d.message
        if d.cell is None:
            properties += [f"line={d.location.row}", f"col={d.location.column}"]
            if d.end_location.row >= d.location.row:
                properties += [f"endLine={d.end_location.row}", f"endColumn={d.end_location.column}"]
        else:  # rows of a notebook count within a cell, not within the .ipynb file
            message = f"cell {d.cell}, line {d.location.row}: {message}"
        properties.append(f"title={_github_property(f'skewlint ({d.code})')}")
        level = GITHUB_LEVELS.get(d.severity, "warning")
        out.append(f"::{level} {','.join(properties)}::{_github_data(f'{d.code} {message}')}\n")
    return "".join(out)


GITLAB_SEVERITIES = {"error": "major", "warning": "minor", "info": "info"}


def gitlab(diagnostics: List[Diagnostic], sources: Sources) -> str:
    """GitLab code quality report (a subset of Code Climate's), with line-independent fingerprints."""
    issues = []
    for d, fingerprint in zip(diagnostics, fingerprints(diagnostics, sources)):
        where = f" (cell {d.cell}, line {d.location.row})" if d.cell is not None else ""
        issues.append({
            "type": "issue",
            "check_name": d.code,
            "description": f"{d.code}: {d.message}{where}",
            "categories": ["Bug Risk"],
            "severity": GITLAB_SEVERITIES.get(d.severity, "minor"),
            "fingerprint": fingerprint,
            "location": {
                "path": d.filename.replace("\\", "/"),
                # A notebook's rows count within a cell; line 1 of the .ipynb, the cell in the description.
                "lines": ({"begin": 1, "end": 1} if d.cell is not None
                          else {"begin": d.location.row, "end": max(d.location.row, d.end_location.row)}),
            },
        })
    return json.dumps(issues, indent=2, sort_keys=True) + "\n"


def junit(diagnostics: List[Diagnostic], sources: Sources) -> str:
    """JUnit XML: one test suite per file, one failed test case per finding (as ruff writes it)."""
    from xml.sax.saxutils import escape, quoteattr  # imported only for this format (it costs 25 ms)

    by_file: Dict[str, List[Diagnostic]] = {}
    for d in diagnostics:
        by_file.setdefault(d.filename, []).append(d)
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n',
           f'<testsuites name="skewlint" tests="{max(1, len(diagnostics))}" failures="{len(diagnostics)}" errors="0">\n']
    if not diagnostics:
        out.append('  <testsuite name="skewlint" tests="1" failures="0" errors="0">\n'
                   '    <testcase name="No errors found" classname="skewlint"/>\n  </testsuite>\n')
    for filename, found in by_file.items():
        out.append(f'  <testsuite name={quoteattr(filename)} tests="{len(found)}" failures="{len(found)}" errors="0">\n')
        for d in found:
            position = _position(d)[len(d.filename) + 1:]
            out.append(f'    <testcase name={quoteattr(f"{d.code} {d.name} at {position}")} '
                       f'classname={quoteattr(filename)} file={quoteattr(filename)} line="{d.location.row}">\n')
            out.append(f'      <failure message={quoteattr(d.message)} type={quoteattr(d.code)}>'
                       f'{escape(f"{_position(d)}: {d.code} {d.message}")}</failure>\n')
            out.append("    </testcase>\n")
        out.append("  </testsuite>\n")
    out.append("</testsuites>\n")
    return "".join(out)


def pylint(diagnostics: List[Diagnostic], sources: Sources) -> str:
    """pylint's `parseable` layout, `path:row: [CODE(name), ] message`, for tools that read pylint."""
    out = []
    for d in diagnostics:
        cell = f"cell {d.cell}:" if d.cell is not None else ""
        out.append(f"{d.filename}:{cell}{d.location.row}: [{d.code}({d.name}), ] {d.message}\n")
    return "".join(out)


def _sarif(diagnostics: List[Diagnostic], sources: Sources) -> str:
    from skewlint.report.sarif import sarif

    return sarif(diagnostics, sources)


FORMATS: Dict[str, Callable[[List[Diagnostic], Sources], str]] = {
    "concise": concise,
    "full": full,
    "json": json_format,
    "json-lines": json_lines,
    "github": github,
    "gitlab": gitlab,
    "sarif": _sarif,
    "junit": junit,
    "pylint": pylint,
}
# Formats that quote or fingerprint source lines: the CLI reads the files for them.
NEEDS_SOURCES = frozenset({"full", "gitlab", "sarif"})
# Formats that write fixes' text edits: the engine renders them only for these (and --fix, --diff).
NEEDS_EDITS = frozenset({"json", "json-lines", "sarif"})
# Formats meant for people: they get a summary line (unless --quiet).
HUMAN_FORMATS = frozenset({"concise", "full"})


def statistics(diagnostics: List[Diagnostic], output_format: str,
               fixable: Callable[[Diagnostic], bool] = lambda d: False) -> str:
    """Diagnostics per rule, most first. A rule is fixable when `fixable` (would `--fix` fix it, with
    these options) holds for one of its diagnostics; as ruff, the text marks it `[*]` (the others
    `[ ]`, when any is fixable)."""
    counts = Counter((d.code, d.name) for d in diagnostics)
    fixable_codes = {d.code for d in diagnostics if fixable(d)}
    rows = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    if output_format in ("json", "json-lines"):
        return json.dumps(
            [{"code": code, "name": name, "count": count, "fixable": code in fixable_codes}
             for (code, name), count in rows],
            indent=2, sort_keys=True,
        ) + "\n"
    width = max((len(str(count)) for count in counts.values()), default=1)
    marks = {True: "[*] ", False: "[ ] "} if fixable_codes else {True: "", False: ""}
    return "".join(f"{count:>{width}}\t{code}\t{marks[code in fixable_codes]}{name}\n" for (code, name), count in rows)


def summary(count: int, files: int, baselined: int = 0, stale: int = 0, failed: bool = False) -> Optional[str]:
    """The closing line; with a baseline it says how many known findings remain hidden. `failed`:
    a path was missing or a file could not be linted, so nothing found does not mean all passed."""
    notes = []
    if baselined:
        notes.append(f"{baselined} baselined finding{'s' if baselined != 1 else ''} remain{'s' if baselined == 1 else ''}"
                     " (hidden by --baseline)")
    if stale:
        notes.append(f"{stale} baseline entr{'ies' if stale != 1 else 'y'} no longer found"
                     " (run --write-baseline to drop them)")
    tail = f" {'; '.join(notes)}.\n" if notes else "\n"
    if count == 0:
        return ("No diagnostics, but the check is incomplete: see the errors above." if failed
                else "All checks passed!") + tail
    noun = "diagnostic" if count == 1 else "diagnostics"
    return f"Found {count} {noun} in {files} file{'s' if files != 1 else ''}." + tail
