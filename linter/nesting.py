"""Refuse code nested too deeply for libcst, before libcst sees it.

libcst's native parser recurses once per nesting level on the C stack and its time grows faster
than linearly with depth: `x = [[[...]]]` 400 deep takes half a second, 3000 deep minutes, and
about 10000 nested parentheses or `not`s crash the whole process (SIGSEGV), which no `except` can
catch. Real code is nowhere near that (the deepest file of the real repositories we lint is 29 AST
levels), so skewlint reports such a file as SKW999 instead of parsing it.

Measuring the depth exactly needs CPython's parser (about a tenth of libcst's time), so it runs only
where deep nesting is possible at all: each level of depth needs a token that nests (a bracket, an
operator, `.`, `not`, `lambda`, `if`, `await`), so depth N needs a logical line with N of them. One
regex pass counts them per logical line; on the real repositories it sends about one file in
twenty to the exact measure.
"""
from __future__ import annotations

import ast
import re
import warnings
from typing import Optional

MAX_DEPTH = 200  # AST levels; also CPython's own limit on nested brackets
_SCAN = re.compile(r"[(\[{]|[)\]}]|\\?\n")
# Tokens that can add a level of nesting (an over-approximation: strings and comments count too).
_LINE_SCAN = re.compile(r"[(\[{]|[)\]}]|\\?\n|[-+*/%~<>&|^@.]|\b(?:not|lambda|if|await)\b")


def too_deep(text: str) -> Optional[str]:
    """Why `text` must not be given to libcst (a message), or None when it is safe."""
    if not _may_nest(text, MAX_DEPTH):
        return None
    try:
        with warnings.catch_warnings():  # CPython warns about `1()` and the like: not ours to say
            warnings.simplefilter("ignore")
            tree = compile(text, "<file>", "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
    except (RecursionError, MemoryError):
        return "the code is nested too deeply"
    except SyntaxError as error:
        if "too many nested" in str(error.msg):  # CPython's tokenizer refuses > 200 brackets
            return "the code is nested too deeply"
        # Code CPython cannot parse (a newer Python's syntax, or a real error): libcst decides,
        # and is safe enough here unless the error hides deep nesting, which brackets show.
        return None if _bracket_depth(text) <= MAX_DEPTH else "the code is nested too deeply"
    except ValueError:  # null bytes: decoding already refused them; let libcst say what it says
        return None
    depth = _depth(tree)
    if depth > MAX_DEPTH:
        return f"the code is nested too deeply ({depth} levels; skewlint parses at most {MAX_DEPTH})"
    return None


def _may_nest(text: str, limit: int) -> bool:
    """Has some logical line more than `limit` nesting tokens? Brackets and backslashes continue a
    line; strings and comments are not understood, so this over-estimates (which is safe)."""
    depth = 0
    count = 0
    for token in _LINE_SCAN.findall(text):
        if token == "\n":
            if depth == 0:
                count = 0
            continue
        count += 1
        if count > limit:
            return True
        if token in "([{":
            depth += 1
        elif token in ")]}":
            depth = max(0, depth - 1)
    return False


def _bracket_depth(text: str) -> int:
    depth = deepest = 0
    for match in _SCAN.finditer(text):
        token = match.group()
        if token in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif token in ")]}":
            depth = max(0, depth - 1)
    return deepest


def _depth(tree: ast.AST) -> int:
    """The depth of the tree, without recursion (the tree may be thousands of levels deep)."""
    deepest = 0
    stack = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > deepest:
            deepest = depth
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return deepest
