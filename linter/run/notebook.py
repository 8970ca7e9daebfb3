"""Jupyter notebooks: the code cells, in order, linted as one module.

Each code cell contributes exactly its own lines, so a row of the module maps back to (cell, row in
cell). IPython syntax that is not Python (line magics `%time x`, shell escapes `!pip ...`, help
`obj?`, and cells run by a non-Python cell magic such as `%%bash`) is replaced line for line by
harmless Python (`pass` at the same indentation, or a comment), so the row count never changes.
Cells are numbered 1-based over all cells of the notebook, markdown included, as a reader counts them.
"""
from __future__ import annotations

import io
import json
import re
import tokenize
from dataclasses import replace
from typing import Dict, List, Optional, Tuple

# Cell magics whose body is still Python: the magic line is masked, the body linted.
PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "debug", "memit", "memray_flamegraph"})
_MAGIC = re.compile(r"^(?P<indent>[ \t]*)(?:[%!]|\?)")
_HELP = re.compile(r"^[ \t]*[\w.*]+\?\??[ \t]*$")  # `obj?`, `obj??`, `torch.*Tensor?`
_ASSIGN = re.compile(r"^(?P<target>[ \t]*[\w.]+(?:[ \t]*,[ \t]*[\w.]+)*[ \t]*=)[ \t]*[%!]")


class NotebookError(ValueError):
    pass


def is_notebook(path: str) -> bool:
    return path.endswith(".ipynb")


def _load(data: bytes) -> dict:
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise NotebookError(f"could not read notebook: {error}") from None
    if not isinstance(document, dict) or not isinstance(document.get("cells"), list):
        raise NotebookError("could not read notebook: no `cells` list (is it nbformat 4?)")
    return document


def _get(table, key: str) -> dict:
    """`table[key]` if both are JSON objects, else {}: hand-edited metadata can be anything."""
    value = table.get(key) if isinstance(table, dict) else None
    return value if isinstance(value, dict) else {}


def _source(cell: dict) -> str:
    source = cell.get("source", "")
    if isinstance(source, list) and all(isinstance(line, str) for line in source):
        return "".join(source)
    if isinstance(source, str):
        return source
    raise NotebookError("could not read notebook: a cell's `source` is neither a string nor a list of strings")


def code_cells(data: bytes) -> List[Tuple[int, str]]:
    """(cell number, source) of each code cell; [] for a notebook in another language."""
    document = _load(data)
    language = _get(_get(document, "metadata"), "language_info").get("name", "python")
    if str(language).lower() != "python":
        return []
    return [
        (number, _source(cell))
        for number, cell in enumerate(document["cells"], start=1)
        if isinstance(cell, dict) and cell.get("cell_type") == "code"
    ]


def cell_lines(data: bytes) -> Dict[int, List[str]]:
    """The original lines of each code cell, for quoting and fingerprints."""
    return {number: source.splitlines() for number, source in code_cells(data)}


def mask(source: str) -> List[str]:
    """The cell's lines with IPython-only syntax replaced by Python of the same line count."""
    lines = source.splitlines()
    indent = leading_indent(lines)
    lines = [line[len(indent):] for line in lines]
    if not lines:
        return []
    first = lines[0].strip()
    if first.startswith("%%"):
        name = first[2:].split(maxsplit=1)[0] if len(first) > 2 else ""
        if name not in PYTHON_CELL_MAGICS:  # `%%bash`, `%%writefile`, ...: not Python at all
            return ["# (cell magic)"] * len(lines)
        lines = ["# (cell magic)"] + lines[1:]
    out: List[str] = []
    continued = False
    for line in lines:
        if not continued and _MAGIC.match(line) and _inside_statement(out):
            out.append(line)  # `% args` or `!= b` continuing an open bracket: plain Python
            continue
        if continued:  # a magic continued with a trailing backslash
            out.append("# (magic)")
            continued = line.rstrip().endswith("\\")
            continue
        assign = _ASSIGN.match(line)
        magic = _MAGIC.match(line)
        if assign:  # `files = !ls`: keep the binding
            out.append(f"{assign.group('target')} None")
        elif magic or _HELP.match(line):
            indent = magic.group("indent") if magic else line[: len(line) - len(line.lstrip())]
            out.append(f"{indent}pass  # (magic)")
        else:
            out.append(line)
            continue
        continued = line.rstrip().endswith("\\")
    return out


def leading_indent(lines: List[str]) -> str:
    """The indentation IPython's `leading_indent` transform removes: the first line's, when every
    non-blank line of the cell starts with it."""
    first = next((line for line in lines if line.strip()), "")
    indent = first[: len(first) - len(first.lstrip())]
    return indent if indent and all(line.startswith(indent) or not line.strip() for line in lines) else ""


def _inside_statement(previous: List[str]) -> bool:
    """Does the code so far end inside brackets, a string or a backslash continuation? Magics only
    start logical lines, as in IPython."""
    if not previous:
        return False
    if previous[-1].rstrip().endswith("\\"):
        return True
    text = "\n".join(previous) + "\n"
    try:
        for _ in tokenize.generate_tokens(io.StringIO(text).readline):
            pass
    except tokenize.TokenError:
        return True  # EOF in a multi-line statement or string
    except (SyntaxError, IndentationError):
        return False
    return False


def to_module(data: bytes) -> Tuple[str, List[Tuple[int, int, int]], list]:
    """`module_of` the notebook's code cells."""
    return module_of(code_cells(data))


def module_of(cells: List[Tuple[int, str]]) -> Tuple[str, List[Tuple[int, int, int]], list]:
    """The module made of (cell number, source) code cells; per cell (cell number, first module row,
    columns its leading indentation shifts); and the cells that do not parse: (number, error, the
    names of the classes and functions they define).
    IPython compiles each cell on its own: a cell that does not parse (an exercise left blank, an
    old syntax) is left out of the module, line for line, and the others are linted."""
    parts: List[str] = []
    starts: List[Tuple[int, int, int]] = []
    broken: List[Tuple[int, SyntaxError, List[str]]] = []
    row = 1
    for number, source in cells:
        lines = mask(source)
        error = _syntax_error("\n".join(lines) + "\n")
        if error is not None:
            broken.append((number, error, [m.group(1) for m in map(_DEFINITION.match, lines) if m]))
            lines = ["# (a cell that does not parse)"] * len(lines)
        starts.append((number, row, len(leading_indent(source.splitlines()))))
        parts.extend(line + "\n" for line in lines)
        row += len(lines)
    return "".join(parts), starts, broken


_DEFINITION = re.compile(r"(?:async[ \t]+)?(?:class|def)[ \t]+(\w+)")  # at the top level of a cell


def _syntax_error(text: str) -> Optional[SyntaxError]:
    """CPython's verdict on one cell (fast; top-level `await` is allowed, as IPython does)."""
    import ast

    try:
        compile(text, "<cell>", "exec", flags=ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True)
    except SyntaxError as error:
        return error
    except (ValueError, RecursionError, MemoryError):  # NUL bytes, deep nesting: left to the engine
        return None
    return None


def _cell_of(row: int, starts) -> Tuple[int, int, int]:
    """(cell number, row in cell, column shift) for a module row."""
    found = starts[0] if starts else (1, 1, 0)
    for start in starts:
        if start[1] > row:
            break
        found = start
    return found[0], row - found[1] + 1, found[2]


def cite(row: int, starts) -> str:
    """How a message names a row of the joined cells: the cell and its line, as a reader finds it."""
    cell, row_in_cell, _ = _cell_of(row, starts)
    return f"cell {cell}, line {row_in_cell}"


def _relocate(diagnostic, starts):
    from skewlint.diagnostics import Location

    cell, row, shift = _cell_of(diagnostic.location.row, starts)
    offset = diagnostic.location.row - row

    def moved(location):
        return Location(max(1, location.row - offset), location.column + shift)

    return replace(
        diagnostic,
        cell=cell,
        location=Location(row, diagnostic.location.column + shift),
        end_location=moved(diagnostic.end_location),
        noqa_row=max(1, diagnostic.noqa_row - offset),
        fix=None,  # edits count rows of the joined cells; notebooks are not fixed (yet)
        # Evidence may sit in an earlier cell: each related location gets its own cell's rows.
        related=tuple(_related(location, note, cell, starts) for location, note in diagnostic.related),
    )


def _related(location, note: str, cell: int, starts):
    """Evidence may sit in an earlier cell: its row counts in its own cell, which the note names."""
    from skewlint.diagnostics import Location

    other, row, shift = _cell_of(location.row, starts)
    return Location(row, location.column + shift), (note if other == cell else f"cell {other}: {note}")


def _cell_norm(norm: dict, starts) -> dict:
    """A summary's normalization with its rows counted in its cell (`cell` names it)."""
    cell, row, shift = _cell_of(norm["row"], starts)
    offset = norm["row"] - row
    return dict(norm, cell=cell, row=row, column=norm["column"] + shift,
                end_row=max(1, norm["end_row"] - offset), end_column=norm["end_column"] + shift)


def lint_notebook(data: bytes, display: str, enabled: frozenset, path: Optional[str] = None):
    """Lint a notebook's code cells as one module; locations come back as (cell, row in cell)."""
    from skewlint.run import engine
    from skewlint.run.source import SourceError

    if not engine._needs_parse(data, enabled):
        return engine.FileResult(display)
    try:
        text, starts, broken = to_module(data)
    except NotebookError as error:
        return engine._error_result(display, enabled, SourceError(str(error)))
    return _lint_module(text, starts, broken, display, enabled, path)


def lint_cells(cells: List[Tuple[int, str]], display: str, enabled: frozenset):
    """Lint (cell number, source) code cells, as an editor holds them, like a notebook file."""
    from skewlint.run import engine

    text, starts, broken = module_of(cells)
    if not broken and not engine._needs_parse(text.encode("utf-8", "surrogatepass"), enabled):
        return engine.FileResult(display)
    return _lint_module(text, starts, broken, display, enabled)


def _lint_module(text: str, starts, broken, display: str, enabled: frozenset, path: Optional[str] = None):
    from skewlint.run import engine
    from skewlint.run.source import SourceError

    # Classes and functions of cells that do not parse exist, but what they are is not known.
    unreadable = frozenset(name for _, _, names in broken for name in names)
    result = engine.lint_text(text, display, enabled, path, edits=False, unreadable=unreadable,  # not fixed
                              cite=lambda row: cite(row, starts))
    result.diagnostics = [_relocate(d, starts) for d in result.diagnostics]
    result.unknown_suppressions = [(_cell_of(row, starts)[1], _cell_of(row, starts)[0], item, form)
                                   for row, _, item, form in result.unknown_suppressions]
    if result.summary:  # the project phase reports and cites constants by cell, as everything else
        result.summary = dict(result.summary, norms=[_cell_norm(norm, starts) for norm in result.summary["norms"]])
    shifts = {number: shift for number, _, shift in starts}
    for number, error, _ in broken:  # one SKW999 per cell that does not parse, in the cell's own rows
        [diagnostic] = engine._error_result(display, enabled, SourceError(
            f"could not parse: {error.msg}", row=error.lineno or 1, column=(error.offset or 1) + shifts[number])).diagnostics
        result.diagnostics.append(replace(diagnostic, cell=number))
    return result
