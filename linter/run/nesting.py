"""Refuse code nested too deeply for libcst, before libcst sees it.

libcst's native parser recurses once per nesting level on the C stack and its time grows faster
than linearly with depth: `x = [[[...]]]` 400 deep takes half a second, 3000 deep minutes, and
about 10000 nested parentheses, `not`s, `and`s or `elif`s crash the whole process (SIGSEGV), which
no `except` can catch. Real code is nowhere near that (the deepest file of the real repositories we
lint is 29 AST levels), so skewlint reports such a file as SKW999 instead of parsing it.

Measuring the depth exactly needs CPython's parser (a third of libcst's time), so a scan of the
tokens first bounds it from above: every level needs a token that nests (a bracket, an operator,
`.`, a keyword such as `not`, `and`, `lambda`), a level of indentation or an `elif`, and the
elements of a bracket separated by commas are siblings, not nested. Only a file whose bound is over
the limit is measured exactly: none of the 3,641 files of the real repositories we lint (the
highest bound there is 116), where the previous line-by-line count sent one file in twelve to
CPython, which cost more than the scan.
"""
from __future__ import annotations

import ast
import re
import warnings
from typing import Optional, Tuple

from skewlint.run.source import STRING

MAX_DEPTH = 200  # AST levels; also CPython's own limit on nested brackets
# Levels a statement puts around its expressions (the module, the statement, its field, ...).
_STATEMENT_LEVELS = 8
# Code CPython cannot check (a newer Python's syntax, or an error) is given to libcst up to this
# bound: libcst's own depth stays far below where it crashes.
_UNCHECKED_LIMIT = 5 * MAX_DEPTH
_TOKEN = r"""
    \#[^\n]*                                                   # a comment
  | """ + STRING + r"""                                        # a string, with its prefix
  | [(\[{] | [)\]}] | ,
  | \\?\r?\n[ \t\f]*(?:[^\W\d]\w*(?![\w'"]))?                     # a line break, the indentation, a word
  | [-+*/%~<>&|^@.]                                            # (`=` nests nothing a bracket does not)
  | \b(?:not|lambda|if|await|and|or|for|in|is|yield)\b
"""
# What a token can start with, tested first: most characters of code start none, and the engine
# then skips them without trying each alternative (a quarter of the scan).
_FIRST = r"""(?=[#'"rRbBuUfFtT(\[{)\]},\\\r\n\-+*/%~<>&|^@.nliaofy])"""
_TOKENS = re.compile(_FIRST + "(?:" + _TOKEN + ")", re.VERBOSE | re.DOTALL)
_NESTING_WORDS = frozenset({"not", "lambda", "if", "elif", "await", "and", "or", "for", "in", "is", "yield"})
_WORD = re.compile(r"\w")
_FIELD_CHARS = re.compile(r"[{}'\"]")


def too_deep(text: str) -> Optional[str]:
    """Why `text` must not be given to libcst (a message), or None when it is safe."""
    bound, brackets = _scan(text)
    if bound <= MAX_DEPTH:
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
        # unless the bound leaves room for nesting deep enough to harm it.
        if brackets <= MAX_DEPTH and bound <= _UNCHECKED_LIMIT:
            return None
        return "the code is nested too deeply"
    except ValueError:  # null bytes: decoding already refused them; let libcst say what it says
        return None
    depth = _depth(tree)
    if depth > MAX_DEPTH:
        return f"the code is nested too deeply ({depth} levels; skewlint parses at most {MAX_DEPTH})"
    return None


def _scan(text: str) -> Tuple[int, int]:
    """(an upper bound of the AST depth, the deepest bracket nesting). Strings and comments are
    skipped; a bracket counts two levels (a call and its argument), any other nesting token one."""
    worst = deepest = 0
    base = current = _STATEMENT_LEVELS  # `base`: where the current bracket's elements start
    stack = []  # per open bracket: [the enclosing base, the deepest element inside]
    chains = {}  # indentation width -> length of the `elif` chain open there (each nests a level)
    chained = width = 0
    line_has_tokens = line_has_elif = False
    strings_from = None  # `current` before a run of adjacent strings: they concatenate, not nest
    for token in _TOKENS.findall(text):
        first = token[0]
        if first in "\n\r\\":
            indented = token.lstrip("\\\r\n")
            word = indented.lstrip(" \t\f")
            if first != "\\" and not stack:  # a new logical line
                # A line at this width ends the `elif` chains open there and deeper, unless it
                # continues one (`elif`, `else`) or holds only a comment.
                if line_has_tokens and not line_has_elif and chains:
                    for ended in [w for w in chains if w >= width]:
                        chained -= chains.pop(ended)
                width = len(indented) - len(word)
                base = current = width + chained + _STATEMENT_LEVELS
                strings_from = None
                line_has_tokens, line_has_elif = bool(word), word in ("elif", "else")
                if word == "elif":
                    chains[width] = chains.get(width, 0) + 1
                    chained += 1
            if word not in _NESTING_WORDS:
                continue
            token = first = word
        elif first == "#":
            continue
        line_has_tokens = True
        if token[-1] in "'\"":
            if strings_from is None:
                strings_from = current
            current = max(current, strings_from + 1 + _format_levels(token))
        else:
            strings_from = None
            if first in "([{":
                stack.append([base, 0])
                base = current = current + 2
                deepest = max(deepest, len(stack))
            elif first in ")]}":
                if stack:
                    base, inside = stack.pop()
                    current = max(current, inside)
                continue
            elif first == ",":  # the elements of a bracket are siblings
                if stack and current > stack[-1][1]:
                    stack[-1][1] = current
                current = base
                continue
            else:
                current += 1
                if token == "lambda" or token == "for":
                    base += 1  # what follows its parameters (targets) is nested in it
        if current > worst:
            worst = current
    return worst, deepest


def _format_levels(string: str) -> int:
    """Levels the replacement fields of an f-string (or t-string) may hold: at most one per
    character of a field that is not part of a name."""
    quote = min(i for i in (string.find("'"), string.find('"')) if i >= 0)
    if "{" not in string or not {"f", "t"} & set(string[:quote].lower()):
        return 0
    levels = depth = start = 0
    index = string.find("{", quote)
    while index >= 0:
        char = string[index]
        if depth and char in "'\"":  # a string inside a field: its braces are text
            index = string.find(char, index + 1)
            if index < 0:
                break
        elif char == "{":
            if depth == 0 and string.startswith("{{", index):
                index += 1  # an escaped brace
            else:
                depth += 1
                if depth == 1:
                    start = index
        elif char == "}" and depth:
            depth -= 1
            if depth == 0:
                field = string[start:index + 1]
                levels = max(levels, len(field) - len(_WORD.findall(field)))
        match = _FIELD_CHARS.search(string, index + 1)
        index = match.start() if match else -1
    if depth:  # an unclosed field (the code does not parse): count it to the end
        levels = max(levels, len(string) - start)
    return levels


def _depth(tree: ast.AST) -> int:
    """The depth of the tree as libcst builds it, without recursion (the tree may be thousands of
    levels deep): libcst nests `a and b and c`, which CPython keeps flat."""
    deepest = 0
    stack = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > deepest:
            deepest = depth
        if isinstance(node, ast.BoolOp):
            depth += len(node.values) - 1
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return deepest
