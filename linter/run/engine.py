"""The per-file job: read, decode, prefilter, parse, build the semantic model, run the rules, locate
and suppress the findings. Pure: no output, no global state, so it can run in a process pool."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable, Iterable, List, Optional

from skewlint.run import deadline, nesting, project, suppressions
from skewlint.run import positions as node_positions
from skewlint.diagnostics import Diagnostic, Finding, Location
from skewlint.registry import registry
from skewlint.run.source import WIDE_BOMS, SourceError, decode, read_bytes

SYNTAX_ERROR = "SKW999"
UNUSED_SUPPRESSION = "SKW901"
# libcst parses about 70 KB/s: a 10 MB (generated) file would hold the run for minutes. The largest
# hand-written file in the real repositories we lint is under 0.5 MB.
MAX_BYTES = 2 * 2**20


@dataclass
class FileResult:
    path: str
    diagnostics: List[Diagnostic] = field(default_factory=list)
    parsed: bool = False
    summary: Optional[dict] = None  # plain data for the project phase (`project.py`)
    # The project files whose summaries (`index.py`) the result used: absolute path -> digest.
    dependencies: dict = field(default_factory=dict)
    # Abandoned at the time limit: a verdict about this run's limit and load, not the file; never cached.
    timed_out: bool = False
    # Suppression items that name no rule, when SKW901 is off (the command line warns on stderr):
    # (row, cell or None, item, the comment's form).
    unknown_suppressions: list = field(default_factory=list)


def lint_file(path: str, enabled: frozenset, display: Optional[str] = None, edits: bool = True) -> FileResult:
    display = display or path
    try:
        data = read_bytes(path)
    except SourceError as error:
        return _error_result(display, enabled, error)
    return lint_bytes(data, display, enabled, path, edits=edits)


def lint_bytes(data: bytes, display: str, enabled: frozenset, path: Optional[str] = None,
               imported: bool = True, edits: bool = True) -> FileResult:
    """Lint a file's bytes. `path`, where the file is (or would be) on disk, lets the project index
    resolve its imports of other project files; without it the file is analysed alone. `imported`:
    keep its summary for files that import it (the runner knows when none of the run does).
    `edits`: render the text edits of fixes (else a fix says only what it would do)."""
    if display.endswith(".ipynb"):  # the code cells as one module; rows map back to cells
        from skewlint.run.notebook import lint_notebook

        return lint_notebook(data, display, enabled, path)
    if not _needs_parse(data, enabled):
        return FileResult(display)
    if len(data) > MAX_BYTES:
        return _error_result(display, enabled, SourceError(
            f"not linted: {len(data) / 2**20:.1f} MB is over skewlint's limit of {MAX_BYTES // 2**20} MB per file"))
    try:
        source = decode(data)
    except SourceError as error:
        return _error_result(display, enabled, error)
    if not (path and imported):
        return lint_text(source.text, display, enabled, path, edits=edits)
    from skewlint.run.index import digest

    return lint_text(source.text, display, enabled, path, digest(data), edits)


def lint_text(text: str, display: str, enabled: frozenset, path: Optional[str] = None,
              content: Optional[str] = None, edits: bool = True, unreadable: frozenset = frozenset(),
              cite: Callable[[int], str] = None) -> FileResult:
    """Lint source text; `path` as for `lint_bytes`, `content` the digest of the file's bytes (its
    summary is then kept in the index for the files that import it). `unreadable`: names the code
    defines where it cannot be parsed (a notebook's cells that do not parse). `cite`: how a message
    names a row of `text` (`line 10`; a notebook names the cell and its line)."""
    limit = deadline.seconds()
    timer = deadline.Timer()
    try:
        with deadline.limit(limit) as timer:
            return _analyse(text, display, enabled, path, content, edits, unreadable, cite or cite_line)
    except BaseException:
        if not timer.fired:
            raise
        result = _error_result(display, enabled, SourceError(
            f"not linted: it took longer than {limit:g} s (the limit per file; {deadline.ENV} sets it)"))
        result.timed_out = True
        return result


def cite_line(row: int) -> str:
    return f"line {row}"


def _analyse(text: str, display: str, enabled: frozenset, path: Optional[str] = None,
             content: Optional[str] = None, edits: bool = True, unreadable: frozenset = frozenset(),
             cite: Callable[[int], str] = cite_line) -> FileResult:
    import libcst as cst  # imported only when a file needs parsing

    from skewlint.semantic.model import attach, build_local

    too_deep = nesting.too_deep(text)  # libcst would take minutes, or crash the process
    if too_deep:
        return _error_result(display, enabled, SourceError(f"could not parse: {too_deep}"))
    try:
        module = _parsed_before(path, text) or _parse(text)
    except cst.ParserSyntaxError as error:
        return _error_result(display, enabled, _syntax_error(text, error))
    except RecursionError:
        return _error_result(display, enabled, SourceError("could not parse: the code is nested too deeply"))
    view = _project_view(path)
    try:
        model = build_local(module, display, view)
        model.unreadable = unreadable
        if view is not None:
            if content is not None and path.endswith(".py"):  # other files import it: keep its summary
                from skewlint.run.index import INDEX
                from skewlint.semantic.exports import exports

                INDEX.remember(path, content, exports(model, text))
            attach(model, view)
        findings = list(_run_rules(model, enabled))
        summary = project.summarize(model, module, text, enabled)
    except RecursionError:
        return _error_result(display, enabled, SourceError("could not analyse: the code is nested too deeply"))
    result = FileResult(display, parsed=True, summary=summary, dependencies=dict(view.used) if view else {})
    comments = suppressions.parse(text)
    if findings or UNUSED_SUPPRESSION in enabled:
        result.diagnostics = _locate(module, text, display, findings, enabled, edits, cite, comments)
    model.release()  # after locating: the positions climb the parents the rules found
    if UNUSED_SUPPRESSION not in enabled:  # SKW901 reports them when it is on
        result.unknown_suppressions = [(row, None, item, form) for row, _, item, form in comments.unknown]
    return result


def _parsed_before(path: Optional[str], text: str):
    """The module the project index parsed from this text for a summary earlier in the run."""
    if not path:
        return None
    import os

    from skewlint.run.index import INDEX

    return INDEX.parsed(os.path.abspath(path), text)


def _project_view(path: Optional[str]):
    """The project index as the file at `path` sees it; None without a path or a folder for it."""
    if not path:
        return None
    import os

    folder = os.path.dirname(os.path.abspath(path))
    if folder not in _FOLDERS:  # asked once per folder, not once per file
        if not os.path.isdir(folder):
            return None
        _FOLDERS.add(folder)
    from skewlint.run.index import INDEX

    return INDEX.view(path)


_FOLDERS: set = set()  # folders seen to exist (one that vanishes during a run leaves no view to find)


def _parse(text: str):
    from skewlint.run.parser import parse

    return parse(text)


def _syntax_error(text: str, error) -> SourceError:
    """CPython's message and position where it has one (users know them), else libcst's."""
    try:
        compile(text, "<file>", "exec", dont_inherit=True, flags=0x400)  # PyCF_ONLY_AST
    except SyntaxError as python_error:
        return SourceError(f"could not parse: {python_error.msg}", row=python_error.lineno or 1,
                           column=python_error.offset or 1)
    except (ValueError, RecursionError, MemoryError):
        pass
    return SourceError(f"could not parse: {error.message}", row=error.raw_line, column=error.raw_column + 1)


def _needs_parse(data: bytes, enabled: frozenset) -> bool:
    """The prefilter: parse only if some enabled rule's marker occurs in the raw bytes."""
    always, markers = _markers(enabled)
    # UTF-16/32 hide every marker behind NUL bytes; decoding then says why the file is refused.
    return always or any(marker in data for marker in markers) or data.startswith(WIDE_BOMS)


@lru_cache(maxsize=64)
def _markers(enabled: frozenset) -> tuple:
    """(every file needs a parse, the enabled rules' markers each once): the rules share the
    frameworks' list, and scanning a framework-free file once per rule was most of a warm run."""
    union = set()
    for code in enabled:
        markers = registry().rules[code].markers
        if markers is None:  # produced by the engine itself
            continue
        if not markers:
            return True, ()
        union.update(markers)
    # `torch` already finds every `torchvision`: a marker containing another is never needed.
    return False, tuple(sorted(m for m in union if not any(o != m and o in m for o in union)))


def _run_rules(model, enabled: Iterable[str]):
    rules = registry().rules
    for code in sorted(enabled):
        rule = rules[code]
        if rule.markers is None:  # engine-produced rules
            continue
        yield from rule().check(model)


def _locate(module, text: str, display: str, findings: List[Finding], enabled: frozenset,
            edits: bool = True, cite: Callable[[int], str] = cite_line, comments=None) -> List[Diagnostic]:
    """Resolve the positions of the nodes the findings name (only for files with findings) and
    apply suppressions (`comments`, parsed from `text` unless given)."""
    rules = registry().rules
    comments = comments if comments is not None else suppressions.parse(text)
    positions = node_positions.of(module, _located_nodes(module, findings, edits), text)
    diagnostics = []
    for finding in findings:
        rule = rules[finding.code]
        span = positions[finding.node]
        statement = positions.get(finding.statement) if finding.statement is not None else None
        noqa_row = statement.start.line if statement is not None else span.start.line
        if comments.covers(rule.code, rule.name, {span.start.line, noqa_row}):
            continue
        related = tuple(
            (Location(positions[node].start.line, positions[node].start.column + 1), note)
            for node, note in finding.related
            if node in positions
        )
        message = cited(finding.message, [location.row for location, _ in related], cite)
        diagnostics.append(
            Diagnostic(
                code=rule.code,
                name=rule.name,
                severity=rule.severity,
                message=message,
                filename=display,
                location=Location(span.start.line, span.start.column + 1),
                end_location=Location(span.end.line, span.end.column + 1),
                noqa_row=noqa_row,
                url=rule.url(),
                related=related,
                fix=_fix(module, text, finding.fix, positions) if edits else _declared(finding.fix),
            )
        )
    if UNUSED_SUPPRESSION in enabled:
        diagnostics.extend(_unused_suppressions(comments, display, enabled))
    return diagnostics


def cited(message: str, rows: List[int], cite: Callable[[int], str] = cite_line) -> str:
    """A rule's message with its evidence rows filled in: rules write `line {line0}`, `line {line1}`."""
    for index, row in enumerate(rows):
        message = message.replace(f"line {{line{index}}}", cite(row)).replace(f"{{line{index}}}", str(row))
    return message


def _located_nodes(module, findings: List[Finding], edits: bool) -> list:
    """The nodes whose positions the diagnostics need: each finding's node, statement and evidence;
    with edits, the targets of its fix's changes and the top-level statements that hold them."""
    nodes = []
    for finding in findings:
        nodes += [finding.node, finding.statement, *(node for node, _ in finding.related)]
        if edits and finding.fix is not None:
            nodes += [getattr(change, "target", None) for change in finding.fix.changes]
    if edits and any(finding.fix is not None for finding in findings):
        nodes += module.body
    return nodes


def _declared(fix) -> Optional[dict]:
    """A fix as the human formats show it (`[*]`, its applicability and message), without the text
    edits that only `--fix`, `--diff` and the machine formats read."""
    return None if fix is None else {"applicability": fix.applicability, "message": fix.message}


def _fix(module, text: str, fix, positions=None) -> Optional[dict]:
    """A finding's fix as ruff's JSON fix object; None when there is none or it cannot be built
    (a rule's fix must never cost the file its diagnostics)."""
    if fix is None:
        return None
    from skewlint.fix import edits

    try:
        return edits.as_dict(fix, edits.edits_of(fix, module, text, positions), text)
    except Exception:  # noqa: BLE001 - the finding stands without its fix
        return None


def _unused_suppressions(comments, display: str, enabled: frozenset) -> List[Diagnostic]:
    rules = registry()
    rule = rules.rules[UNUSED_SUPPRESSION]

    def report(row: int, column: int, message: str) -> Diagnostic:
        return Diagnostic(code=rule.code, name=rule.name, severity=rule.severity, message=message, filename=display,
                          location=Location(row, column), end_location=Location(row, column + 1), noqa_row=row,
                          url=rule.url())

    out = []
    for suppression, selector in comments.unused():
        named = rules.get(selector)
        if named is not None and named.code in enabled:
            out.append(report(suppression.row, suppression.column,
                              f"unused suppression of `{selector}`: nothing was reported here"))
    for row, column, item, _ in comments.unknown:  # `# noqa: missing-eval-mod`: a typo suppresses nothing
        out.append(report(row, column, f"`{item}` names no skewlint rule (a code, prefix or rule name): it suppresses nothing"))
    return out


def _error_result(display: str, enabled: frozenset, error: SourceError) -> FileResult:
    rule = registry().rules[SYNTAX_ERROR]
    location = Location(error.row, error.column)
    diagnostic = Diagnostic(
        code=rule.code,
        name=rule.name,
        severity=rule.severity,
        message=str(error),
        filename=display,
        location=location,
        end_location=location,
        noqa_row=error.row,
        url=rule.url(),
    )
    return FileResult(display, [diagnostic])
