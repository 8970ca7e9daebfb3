"""Mutations of real source for fuzzing: what an editor's half-typed buffer or a bad merge looks like.

Each mutation takes the source bytes and a `draw(low, high)` function returning an int in
[low, high], so the same code serves Hypothesis (`data.draw(integers(...))`) and a seeded
`random.Random` in the corpus crash hunt.
"""
from __future__ import annotations

import ast
from typing import Callable, List, Tuple

Draw = Callable[[int, int], int]


def delete_lines(data: bytes, draw: Draw) -> bytes:
    lines = data.splitlines(keepends=True)
    if not lines:
        return data
    start = draw(0, len(lines) - 1)
    count = draw(1, min(5, len(lines) - start))
    return b"".join(lines[:start] + lines[start + count:])


def swap_lines(data: bytes, draw: Draw) -> bytes:
    lines = data.splitlines(keepends=True)
    if len(lines) < 2:
        return data
    first, second = draw(0, len(lines) - 1), draw(0, len(lines) - 1)
    lines[first], lines[second] = lines[second], lines[first]
    return b"".join(lines)


def swap_statements(data: bytes, draw: Draw) -> bytes:
    """Swap two statements of one body (same indentation, so the result still parses when the
    input did): moves a `model.eval()` after the loop it guarded, a return before a call, ..."""
    pairs = _sibling_statements(data)
    if not pairs:
        return swap_lines(data, draw)
    body = pairs[draw(0, len(pairs) - 1)]
    i = draw(0, len(body) - 2)
    j = draw(i + 1, len(body) - 1)
    lines = data.splitlines(keepends=True)
    (a0, a1), (b0, b1) = body[i], body[j]
    return b"".join(lines[:a0] + lines[b0:b1] + lines[a1:b0] + lines[a0:a1] + lines[b1:])


def truncate(data: bytes, draw: Draw) -> bytes:
    """Cut at any byte, also inside a string, a bracket or a multi-byte character."""
    return data[: draw(0, len(data))]


def duplicate_line(data: bytes, draw: Draw) -> bytes:
    lines = data.splitlines(keepends=True)
    if not lines:
        return data
    index = draw(0, len(lines) - 1)
    return b"".join(lines[: index + 1] + lines[index:])


MUTATIONS = (delete_lines, swap_lines, swap_statements, truncate, duplicate_line)


def mutate(data: bytes, draw: Draw, steps: int) -> bytes:
    for _ in range(steps):
        data = MUTATIONS[draw(0, len(MUTATIONS) - 1)](data, draw)
    return data


def _sibling_statements(data: bytes) -> List[List[Tuple[int, int]]]:
    """Bodies with at least two statements, each statement as a 0-based [first, last + 1) line range;
    bodies where two statements share a line (`a; b`) are skipped."""
    try:
        tree = ast.parse(data)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    bodies = []
    for node in ast.walk(tree):
        for name in ("body", "orelse", "finalbody"):
            body = getattr(node, name, None)
            if not isinstance(body, list) or len(body) < 2 or not isinstance(body[0], ast.stmt):
                continue
            ranges = [(_first_line(s) - 1, s.end_lineno) for s in body]
            if all(ranges[k][1] <= ranges[k + 1][0] for k in range(len(ranges) - 1)):
                bodies.append(ranges)
    return bodies


def _first_line(statement: ast.stmt) -> int:
    """Decorators belong to the statement they decorate."""
    decorators = getattr(statement, "decorator_list", None) or []
    return min([statement.lineno] + [d.lineno for d in decorators])
