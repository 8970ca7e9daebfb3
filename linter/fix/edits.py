"""Fixes: what a rule proposes, as changes of its file's libcst tree, and their text edits.

A rule attaches a `Fix` to its `Finding`: an applicability (`safe`: keeps the code's meaning apart
from removing the bug; `unsafe`: may change behaviour, applied only with `--unsafe-fixes`), a short
message, and one or more changes built with the helpers below on nodes of the parsed module:

    change = fixes.set_argument(call, "drop_last", "False", position=8)
    fix = fixes.unsafe("Set `drop_last=False`", change) if change else None
    yield Finding(self.code, call, message, statement=site.statement, fix=fix)

The engine turns each change into one exact text edit: it applies the change to the tree, renders
the top-level statement that holds it (or, for `add_import`, the module; libcst keeps every
comment, blank line and line ending) and takes the span where the new text differs from the old.
So a rule never computes positions or indentation itself, and a multi-line string inside a
re-indented block keeps its value. A change that fails to apply costs the finding its fix only.

Applying edits, the fix loop and writing files: `skewlint.fix.apply`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Literal, Mapping, Optional, Sequence, Tuple, Union, cast

from skewlint.lazy import libcst as cst

from skewlint.semantic.walk import parents

if TYPE_CHECKING:
    from libcst.metadata import CodeRange
    from typing_extensions import TypeGuard

Applicability = Literal["safe", "unsafe"]  # written into the JSON output as they are
SAFE: Applicability = "safe"
UNSAFE: Applicability = "unsafe"

# A change: the module before -> the module after. Built by the helpers below.
Change = Callable[["cst.Module"], "cst.Module"]
# A statement of a block: what `insert_before` and `wrap_in_with` take.
Statement = Union["cst.SimpleStatementLine", "cst.BaseCompoundStatement"]


@dataclass(frozen=True)
class Fix:
    applicability: Applicability
    message: str
    changes: Tuple[Change, ...]


def safe(message: str, *changes: Change) -> Fix:
    return Fix(SAFE, message, tuple(changes))


def unsafe(message: str, *changes: Change) -> Fix:
    return Fix(UNSAFE, message, tuple(changes))


# ---- changes a rule can ask for -------------------------------------------------------------


def _expression(code: Union[str, cst.BaseExpression], module: cst.Module) -> cst.BaseExpression:
    if isinstance(code, str):
        return cst.parse_expression(code, config=module.config_for_parsing)
    return code


def _statement(code: str, module: cst.Module) -> Statement:
    return cst.parse_statement(code.rstrip("\n") + "\n", config=module.config_for_parsing)


def _replaced(module: cst.Module, old: cst.CSTNode,
              new: Union[cst.CSTNode, cst.FlattenSentinel[cst.BaseStatement]]) -> cst.Module:
    # `old` is inside the module, so the module itself is what comes back.
    return cast(cst.Module, module.deep_replace(old, new))


def _rewriting(target: cst.CSTNode, change: Change) -> Change:
    """Mark the node a change rewrites: the engine renders only its top-level statement."""
    change.target = target  # type: ignore[attr-defined]  # read back with getattr (`_local_edit`)
    return change


def replace(node: cst.CSTNode, new: Union[str, cst.CSTNode]) -> Change:
    """Replace `node` by `new` (a node, or the code of an expression when `node` is one)."""

    def change(module: cst.Module) -> cst.Module:
        return _replaced(module, node, _expression(new, module) if isinstance(new, str) else new)

    return _rewriting(node, change)


def insert_before(statement: Statement, code: str) -> Change:
    """Insert the statement `code` (one line, e.g. `model.eval()`) before `statement`, at its
    indentation. Comments above `statement` stay above both."""

    def change(module: cst.Module) -> cst.Module:
        new = _statement(code, module).with_changes(leading_lines=statement.leading_lines)
        return _replaced(module, statement, cst.FlattenSentinel([new, statement.with_changes(leading_lines=())]))

    return _rewriting(statement, change)


def wrap_in_with(statement: Statement, item: str) -> Change:
    """Put `statement` in the block of `with ITEM:` (e.g. `torch.no_grad()`), re-indented."""

    def change(module: cst.Module) -> cst.Module:
        block = cst.With(
            items=[cst.WithItem(_expression(item, module))],
            body=cst.IndentedBlock(body=[statement.with_changes(leading_lines=())]),
            leading_lines=statement.leading_lines,
        )
        return _replaced(module, statement, block)

    return _rewriting(statement, change)


def decorate(function: cst.FunctionDef, decorator: str) -> Change:
    """Add `@DECORATOR` as the innermost decorator of `function` (inside `@staticmethod` & co.)."""

    def change(module: cst.Module) -> cst.Module:
        added = cst.Decorator(decorator=_expression(decorator, module))
        return _replaced(module, function, function.with_changes(decorators=[*function.decorators, added]))

    return _rewriting(function, change)


def set_keyword(call: cst.Call, name: str, value: str) -> Change:
    """`name=value` in `call`: the existing keyword's value replaced, else the keyword appended
    (keeping a trailing comma and the closing bracket where they were)."""

    def change(module: cst.Module) -> cst.Module:
        new_value = _expression(value, module)
        args = list(call.args)
        for index, arg in enumerate(args):
            if arg.keyword is not None and arg.keyword.value == name:
                args[index] = arg.with_changes(value=new_value)
                break
        else:
            last = args[-1] if args else None
            comma = last.comma if last is not None and type(last.comma) is cst.Comma else cst.MaybeSentinel.DEFAULT
            added = cst.Arg(value=new_value, keyword=cst.Name(name),
                            equal=cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""),
                                                  whitespace_after=cst.SimpleWhitespace("")),
                            comma=comma)
            if type(comma) is cst.Comma and last is not None:  # (a comma comes from the last argument)
                # A trailing comma: the old last argument keeps its comma and comment, followed by
                # the break that precedes an argument; the new one gets the break before the bracket.
                before = args[-2].comma.whitespace_after if len(args) > 1 and type(args[-2].comma) is cst.Comma \
                    else call.whitespace_before_args
                after = comma.whitespace_after
                if type(after) is cst.ParenthesizedWhitespace and type(before) is cst.ParenthesizedWhitespace:
                    args[-1] = last.with_changes(comma=comma.with_changes(
                        whitespace_after=after.with_changes(indent=before.indent, last_line=before.last_line)))
                    added = added.with_changes(comma=comma.with_changes(
                        whitespace_after=after.with_changes(first_line=cst.TrailingWhitespace(), empty_lines=())))
                else:
                    args[-1] = last.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
            args.append(added)
        return _replaced(module, call, call.with_changes(args=args))

    return _rewriting(call, change)


def set_argument(call: cst.Call, name: str, value: str, position: Optional[int] = None) -> Optional[Change]:
    """`name=value` for a parameter that may also be passed at `position` (0-based): the positional
    argument's value replaced if it is there, else `set_keyword`. None when `*args` or `**kwargs`
    may already pass it (a keyword added then could raise "got multiple values")."""
    positional = [arg for arg in call.args if arg.keyword is None and not arg.star]
    if any(arg.star == "**" for arg in call.args) and not any(
            arg.keyword is not None and arg.keyword.value == name for arg in call.args):
        return None
    if position is not None:
        if any(arg.star == "*" for arg in call.args[:position + 1]):
            return None
        if position < len(positional) and call.args.index(positional[position]) == position:
            return replace(positional[position].value, value)
    return set_keyword(call, name, value)


def add_import(code: str) -> Change:
    """Add the import statement `code` (e.g. `import torch`) after the imports that open the module
    (after its docstring; at the top if it does not open with imports)."""

    def change(module: cst.Module) -> cst.Module:
        body = list(module.body)
        index = 0
        if body and _is_docstring(body[0]):
            index = 1
        position = index
        while position < len(body) and _is_import(body[position]):
            position += 1
        body.insert(position, _statement(code, module))
        return module.with_changes(body=body)

    return change


def _is_import(statement: cst.CSTNode) -> TypeGuard[cst.SimpleStatementLine]:
    return type(statement) is cst.SimpleStatementLine and all(
        type(small) in (cst.Import, cst.ImportFrom) for small in statement.body)


def _is_docstring(statement: cst.CSTNode) -> bool:
    return (type(statement) is cst.SimpleStatementLine and len(statement.body) == 1
            and type(statement.body[0]) is cst.Expr
            and type(statement.body[0].value) in (cst.SimpleString, cst.ConcatenatedString))


# ---- helpers for rules --------------------------------------------------------------------


def enclosing_statements(module: cst.Module, node: cst.CSTNode) -> List[Statement]:
    """The statements of blocks that contain `node`, outermost first ([] if it is not in `module`):
    the places where `insert_before` and `wrap_in_with` apply."""
    held_by = parents(module)
    path: List[cst.CSTNode] = [node]
    while path[-1] is not module:
        parent = held_by.get(id(path[-1]))
        if parent is None:  # not in `module`
            return []
        path.append(parent)
    path.reverse()
    # Only members of a block: an `elif` is part of its `if`, not a statement of its own.
    return [n for parent, n in zip(path, path[1:])
            if isinstance(n, (cst.SimpleStatementLine, cst.BaseCompoundStatement))
            and type(parent) in (cst.Module, cst.IndentedBlock)]


def binds(module: cst.Module, name: str) -> bool:
    """Does a module-level import bind `name`?"""
    return any(local == name for statement in module.body if _is_import(statement)
               for small in statement.body for local, _ in _bindings(small))


def imported_name(module: cst.Module, qualified: str) -> Optional[str]:
    """How module-level imports let this file write `qualified` (`torch.no_grad` -> `torch.no_grad`,
    `T.no_grad` after `import torch as T`, `no_grad` after `from torch import no_grad`), or None."""
    best = None
    for statement in module.body:
        if not _is_import(statement):
            continue
        for small in statement.body:
            for local, target in _bindings(small):
                if qualified == target:
                    return local
                if qualified.startswith(target + "."):
                    candidate = local + qualified[len(target):]
                    best = best or candidate
    return best


def _bindings(node: cst.CSTNode) -> List[Tuple[str, str]]:
    from skewlint.semantic.names import dotted

    found = []
    if type(node) is cst.Import:
        for alias in node.names:
            full = dotted(alias.name)
            if full is None:
                continue
            if alias.asname is not None and type(alias.asname.name) is cst.Name:
                found.append((alias.asname.name.value, full))
            else:  # `import a.b` binds `a`
                found.append((full.split(".")[0], full.split(".")[0]))
    elif type(node) is cst.ImportFrom and not node.relative and node.module is not None \
            and not isinstance(node.names, cst.ImportStar):
        module = dotted(node.module)
        for alias in node.names:
            if type(alias.name) is not cst.Name:
                continue
            local = alias.asname.name.value if alias.asname is not None and type(alias.asname.name) is cst.Name \
                else alias.name.value
            found.append((local, f"{module}.{alias.name.value}"))
    return found


# ---- from changes to text edits ----------------------------------------------------------------


@dataclass(frozen=True)
class Edit:
    start: int  # offsets into the text, end exclusive
    end: int
    content: str


def edits_of(fix: Fix, module: cst.Module, text: str,
             positions: Optional[Mapping[cst.CSTNode, CodeRange]] = None) -> List[Edit]:
    """The text edits of a fix, one per change, in the order of the text. Raises if a change does
    not apply (the engine then offers no fix). With the module's positions, a change is rendered
    within its top-level statement only: rendering the whole module per fix costs a parse's worth."""
    out = []
    for change in fix.changes:
        edit = _local_edit(change, module, text, positions) if positions is not None else None
        if edit is None:
            if not _reproduces(module, text):
                raise ValueError("libcst does not reproduce this text exactly: no edit can be trusted")
            edit = _difference(text, change(module).code)
        if edit.start == edit.end and not edit.content:
            raise ValueError("the change changes nothing (its node is not in this module?)")
        out.append(edit)
    return sorted(out, key=lambda edit: (edit.start, edit.end))


def _local_edit(change: Change, module: cst.Module, text: str,
                positions: Mapping[cst.CSTNode, CodeRange]) -> Optional[Edit]:
    """The edit from rendering the top-level statement that holds the change's target, before and
    after; None when that cannot be placed in the text exactly (the caller renders the module)."""
    target = getattr(change, "target", None)
    if target is None or target not in positions:
        return None
    line = positions[target].start.line
    top = next((s for s in module.body if s in positions
                and positions[s].start.line <= line <= positions[s].end.line), None)
    if top is None:
        return None
    # Rows of the statement's rendering above the line its position starts on.
    above = len(top.leading_lines)
    if isinstance(top, (cst.FunctionDef, cst.ClassDef)):
        above += sum(1 + len(d.leading_lines) for d in top.decorators) + len(top.lines_after_decorators)
    row = positions[top].start.line - above
    starts = _line_starts_of(text)
    if row < 1 or row > len(starts):
        return None
    alone = module.with_changes(body=[top], header=[], footer=[])
    old = alone.code
    start = starts[row - 1]
    if text[start:start + len(old)] != old:
        return None  # not where we thought, or not reproduced: no guess
    edit = _difference(old, change(alone).code)
    return Edit(start + edit.start, start + edit.end, edit.content)


_STARTS: List[Any] = [None, None]  # the last text, its line starts


def _line_starts_of(text: str) -> List[int]:
    if _STARTS[0] is not text:
        _STARTS[:] = [text, line_starts(text)]
    starts: List[int] = _STARTS[1]
    return starts


_CHECKED: List[Any] = [None, False]  # the last module checked and the answer: findings come per file


def _reproduces(module: cst.Module, text: str) -> bool:
    """Does rendering the unchanged tree give back the text? Edits are differences of renderings,
    so they are exact only then (libcst drops the last line break of a file with `\r` line ends)."""
    if _CHECKED[0] is not module:
        _CHECKED[:] = [module, module.code == text]
    reproduces: bool = _CHECKED[1]
    return reproduces


def _difference(old: str, new: str) -> Edit:
    limit = min(len(old), len(new))
    prefix = 0
    while prefix < limit and old[prefix] == new[prefix]:
        prefix += 1
    suffix = 0
    while suffix < limit - prefix and old[-1 - suffix] == new[-1 - suffix]:
        suffix += 1
    return Edit(prefix, len(old) - suffix, new[prefix:len(new) - suffix])


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def line_starts(text: str) -> List[int]:
    """Offsets where each line starts; rows end at `\\r\\n`, `\\r` or `\\n`, as Python's tokenizer."""
    return [0] + [match.end() for match in _LINE_BREAK.finditer(text)]


def location(starts: Sequence[int], offset: int) -> Tuple[int, int]:
    """1-based (row, column in code points) of an offset."""
    from bisect import bisect_right

    row = bisect_right(starts, offset)
    return row, offset - starts[row - 1] + 1


def offset(starts: Sequence[int], row: int, column: int) -> int:
    return starts[row - 1] + column - 1


def as_dict(fix: Fix, edits: Sequence[Edit], text: str) -> Dict[str, Any]:
    """ruff's JSON fix object: applicability, message, edits with 1-based, end-exclusive ranges."""
    starts = line_starts(text)

    def point(at: int) -> Dict[str, int]:
        row, column = location(starts, at)
        return {"column": column, "row": row}

    return {
        "applicability": fix.applicability,
        "edits": [{"content": e.content, "end_location": point(e.end), "location": point(e.start)}
                  for e in edits],
        "message": fix.message,
    }
