"""A fast walk over a libcst tree. libcst's own visitors rebuild every node as they go, which costs
more than the parse; reading the dataclass fields directly and skipping whitespace does not."""
from __future__ import annotations

import dataclasses
import typing
from typing import Dict, Iterator, List

from skewlint.lazy import libcst as cst

# Fields that hold only whitespace, comments and punctuation: no walk needs them.
_SKIPPED_FIELDS = frozenset({
    "lpar", "rpar", "leading_lines", "lines_after_decorators", "header", "footer", "comma", "semicolon",
    "equal", "colon", "lbracket", "rbracket", "lbrace", "rbrace", "operator", "newline", "trailing_whitespace",
    "empty_lines", "relative", "asynchronous", "star_tok", "first_line", "dot", "arrow", "indent",
})
_FIELDS: Dict[type, tuple] = {}
_IS_NODE: Dict[type, bool] = {}


def is_node(value) -> bool:
    """`isinstance(value, cst.CSTNode)`, cached per type (libcst's ABC makes isinstance slow)."""
    value_type = type(value)
    known = _IS_NODE.get(value_type)
    if known is None:
        known = _IS_NODE[value_type] = isinstance(value, cst.CSTNode)
    return known


def fields(node_type: type) -> tuple:
    """The names of a node type's fields that may hold nodes, in declaration order (so a `Name` or
    an `Integer`, whose value is text, has none)."""
    found = _FIELDS.get(node_type)
    if found is None:
        found = tuple(f.name for f in dataclasses.fields(node_type)
                      if f.name not in _SKIPPED_FIELDS and not f.name.startswith("whitespace")
                      and f.type is not str and typing.get_origin(f.type) is not typing.Literal)
        _FIELDS[node_type] = found
    return found


def children(node) -> List[cst.CSTNode]:
    """The nodes a node holds directly, in source order."""
    found: List[cst.CSTNode] = []
    node_type = type(node)
    names = _FIELDS.get(node_type)
    for name in names if names is not None else fields(node_type):
        value = getattr(node, name)
        value_type = type(value)
        if value_type is tuple or value_type is list:
            found += [child for child in value if is_node(child)]
        elif is_node(value):
            found.append(value)
    return found


def descendants(node) -> Iterator[cst.CSTNode]:
    """`node` and every node under it, depth first, in source order. The rules ask the same regions
    again and again (the module, a function, a statement: seven walks in ten on the fixtures), and
    trees never change, so a walk that runs to its end is kept until `forget()`."""
    known = _WALKED.get(id(node))
    if known is not None and known[0] is node:  # the node is kept with its walk: its id is its own
        return iter(known[1])
    return _walk(node)


def parents(root) -> Dict[int, cst.CSTNode]:
    """id(node) -> the node that holds it, for every node under `root` (kept like the walks). One
    inlined pass in no particular order: a walk, then `children` of each of its nodes, cost three
    times as much."""
    known = _PARENTS.get(id(root))
    if known is not None and known[0] is root:
        return known[1]
    found: Dict[int, cst.CSTNode] = {}
    stack = [root]
    pop, push = stack.pop, stack.append
    known_node, known_fields = _IS_NODE.get, _FIELDS.get
    while stack:
        current = pop()
        current_type = type(current)
        names = known_fields(current_type)
        for name in names if names is not None else fields(current_type):
            value = getattr(current, name)
            value_type = type(value)
            if value_type is tuple or value_type is list:
                for child in value:
                    if (known_node(type(child)) or is_node(child)) and id(child) not in found:
                        found[id(child)] = current  # a node held twice: where the pass meets it first
                        push(child)
            elif (known_node(value_type) or is_node(value)) and id(value) not in found:
                found[id(value)] = current
                push(value)
    _PARENTS[id(root)] = (root, found)
    return found


def forget() -> None:
    """Drop the kept walks and parents (the engine, when a file is done): they hold its tree."""
    _WALKED.clear()
    _PARENTS.clear()


_WALKED: Dict[int, tuple] = {}  # id(node) -> (node, the nodes of its walk)
_PARENTS: Dict[int, tuple] = {}  # id(root) -> (root, its parents)
_WALKED_LIMIT = 100_000  # walks kept at most (a process that never calls `forget`)


def _walk(node) -> Iterator[cst.CSTNode]:
    # `children` inlined: calling it per node made this walk 1.6 x slower.
    found = []
    keep = found.append
    stack = [node]
    pop, push, extend = stack.pop, stack.append, stack.extend
    while stack:
        current = pop()
        keep(current)
        yield current
        current_type = type(current)
        names = _FIELDS.get(current_type)
        if names is None:
            names = fields(current_type)
        for name in reversed(names):
            value = getattr(current, name)
            value_type = type(value)
            if value_type is tuple or value_type is list:
                if value:
                    extend([child for child in reversed(value) if is_node(child)])
            elif is_node(value):
                push(value)
    _keep_walk(node, found)


def _keep_walk(node, order: list) -> None:
    if len(_WALKED) >= _WALKED_LIMIT:
        _WALKED.clear()
    _WALKED[id(node)] = (node, order)


def own_nodes(scope) -> Iterator[cst.CSTNode]:
    """The nodes of a scope (a function's body, a module) in source order, without those of the
    functions and classes defined inside it."""
    stack = [scope]
    while stack:
        node = stack.pop()
        yield node
        if type(node) not in (cst.FunctionDef, cst.ClassDef, cst.Lambda) or node is scope:
            stack.extend(reversed(children(node)))


def targets(target) -> list:
    if type(target) in (cst.Tuple, cst.List):
        return [t for e in target.elements for t in targets(e.value)]
    return [target]


def simple_lines(block):
    for statement in block:
        if type(statement) in (cst.SimpleStatementLine, cst.SimpleStatementSuite):
            yield statement
        elif type(statement) not in (cst.FunctionDef, cst.ClassDef):
            for inner in child_blocks(statement):
                yield from simple_lines(inner)


def statements(part) -> list:
    """The statements of a suite: an indented block's lines, a one-line suite (`if x: f()`) as a
    single simple statement, an `elif` as itself; `else`/`finally`/handlers through their body."""
    if part is None:
        return []
    if type(part) is cst.If:
        return [part]
    if type(part) is cst.IndentedBlock:
        return list(part.body)
    if type(part) is cst.SimpleStatementSuite:
        return [part]
    return statements(part.body)


def child_blocks(statement):
    """The statement lists directly inside a compound statement."""
    for attr in ("body", "orelse", "finalbody"):
        part = getattr(statement, attr, None)
        if part is not None:
            yield statements(part)
    for handler in getattr(statement, "handlers", ()):
        yield statements(handler)
    for case in getattr(statement, "cases", ()):
        yield statements(case)
