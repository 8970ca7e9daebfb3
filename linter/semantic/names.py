"""Names of expressions: dotted text of attribute chains, and name tokens for role heuristics."""
from __future__ import annotations

import builtins
import re
from functools import lru_cache
from typing import List, Optional

from skewlint.lazy import libcst as cst

_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z]|\d|\b)|[A-Z]?[a-z]+|[A-Z]+|\d+")


def dotted(node) -> Optional[str]:
    """`a.b.c` for a Name/Attribute chain, else None."""
    # `type(...) is` rather than isinstance: libcst's ABC makes isinstance slow, and this is hot.
    node_type = type(node)
    if node_type is cst.Name:  # six calls in ten
        return node.value
    if node_type is not cst.Attribute:
        return None
    parts: List[str] = []
    while type(node) is cst.Attribute:
        parts.append(node.attr.value)
        node = node.value
    if type(node) is cst.Name:
        parts.append(node.value)
        return ".".join(reversed(parts))
    return None


def literal(node):
    """libcst's `evaluated_value` of a literal, without its `ast.literal_eval` (a parse per call,
    asked again on every pass of the analysis) for the plain strings and decimal integers that
    most literals are: a string without a prefix or a backslash is the text between its quotes."""
    node_type = type(node)
    if node_type is cst.SimpleString:
        text = node.value
        if text[0] in "'\"" and "\\" not in text and "\r" not in text:
            size = 3 if len(text) >= 6 and text[1] == text[2] == text[0] else 1
            return text[size:-size]
    elif node_type is cst.Integer:
        text = node.value
        if text.isascii() and text.isdigit() and (text[0] != "0" or len(text) == 1):
            return int(text)
    return node.evaluated_value


_BUILTINS = frozenset(dir(builtins))


def is_builtin(name: str) -> bool:
    """A name of Python's builtins (`len`, `ValueError`): what it calls is known, whatever the file."""
    return name in _BUILTINS


def last_name(node) -> str:
    """`c` for `a.b.c` (without building the dotted text), "" for other expressions."""
    if type(node) is cst.Attribute:
        return node.attr.value
    return node.value if type(node) is cst.Name else ""


@lru_cache(maxsize=8192)
def tokens(name: str) -> tuple:
    """Lower-case word tokens of an identifier, split on `_`, `.` and camelCase: `valLoader` -> val, loader."""
    out: List[str] = []
    for piece in re.split(r"[_.\W]+", name):
        out.extend(word.lower() for word in _CAMEL.findall(piece))
    return tuple(out)


def is_bool(node, value: bool) -> bool:
    return type(node) is cst.Name and node.value == ("True" if value else "False")


def keyword(call: cst.Call, name: str):
    """The value of keyword argument `name` of `call`, or None."""
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg.value
    return None


def argument(call: cst.Call, position: int, name: str):
    """The argument bound to parameter `name` at `position` (positional or keyword), or None."""
    value = keyword(call, name)
    if value is not None:
        return value
    positional = [arg for arg in call.args if arg.keyword is None and not arg.star]
    if len(positional) > position:
        return positional[position].value
    return None


def argument_node(call: cst.Call, position: Optional[int], name: str):
    """The `cst.Arg` (`training=True`, or the positional one) bound to parameter `name` at
    `position` (None: keyword only), or None: what a finding about that argument points at."""
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg
    positional = [arg for arg in call.args if arg.keyword is None and not arg.star]
    return positional[position] if position is not None and len(positional) > position else None


def chain_root(value):
    """The call a chain of method calls starts from: `torch.randn(...)` of `torch.randn(...).to(device)`."""
    while type(value) is cst.Call and type(value.func) is cst.Attribute and type(value.func.value) is cst.Call:
        value = value.func.value
    return value


def has_star_args(call: cst.Call) -> bool:
    return any(arg.star for arg in call.args)


def mentions(node, word: str) -> bool:
    """Does the code mention an identifier or attribute named `word` anywhere?"""
    from skewlint.semantic.walk import descendants

    return any(type(n) is cst.Name and n.value == word for n in descendants(node))


def strip_module(name: str) -> str:
    """`model.module.module` -> `model`: DataParallel/DDP wrappers hold the same model."""
    while name.endswith(".module"):
        name = name[: -len(".module")]
    return name
