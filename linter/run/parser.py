"""libcst's parse, with its nodes built the quick way.

The native parser builds every node by calling its Python class, and the `__init__` that
`dataclasses` writes for libcst's frozen, slotted nodes sets each field through
`object.__setattr__` (a lookup through the class's ancestry per field) and then validates the node.
The parser only builds valid nodes (libcst's own comment on `CSTNode.__post_init__` says that this
check belongs elsewhere), so while skewlint parses, each node class gets an `__init__` that stores
its fields through their slots and checks nothing: a tenth of the parse, and the parse is most of a
run. The classes get their own `__init__` back afterwards, so nodes built later (a fix's) are
checked. With a libcst whose node classes are not all slotted dataclasses, the nodes are built by
their own `__init__`, still without the check.
"""
from __future__ import annotations

import dataclasses
import types
from typing import Callable, Dict, Optional

_QUICK: Optional[Dict[type, Callable]] = None  # node class -> its quick __init__ (built once)


def parse(text: str):
    import libcst as cst

    node_class = cst.CSTNode
    check = node_class.__dict__.get("__post_init__")
    if check is None:  # another libcst: parse as it does
        return cst.parse_module(text)
    quick = _quick_inits(cst)
    own = {cls: cls.__dict__["__init__"] for cls in quick}
    node_class.__post_init__ = _unchecked  # for any node class without a quick __init__
    for cls, init in quick.items():
        cls.__init__ = init
    try:
        return cst.parse_module(text)
    finally:
        node_class.__post_init__ = check
        for cls, init in own.items():
            cls.__init__ = init


def _unchecked(node) -> None:
    pass


def _quick_inits(cst) -> Dict[type, Callable]:
    global _QUICK
    if _QUICK is None:
        classes = {value for value in vars(cst).values()
                   if isinstance(value, type) and issubclass(value, cst.CSTNode) and "__init__" in value.__dict__}
        quick = {cls: _quick_init(cls) for cls in classes}
        # All or nothing: a node class this does not understand keeps libcst's way for every node.
        _QUICK = quick if classes and all(quick.values()) else {}
    return _QUICK


def _quick_init(cls: type) -> Optional[Callable]:
    """An `__init__` with the dataclass's parameters and defaults that stores each field through
    its slot's descriptor and validates nothing; None if `cls` is not a slotted dataclass."""
    if not dataclasses.is_dataclass(cls):
        return None
    namespace: dict = {"_FACTORY": object()}
    params, body = [], []
    for index, field in enumerate(dataclasses.fields(cls)):
        if not field.init or getattr(field, "kw_only", False) is True:
            return None
        slot = next((klass.__dict__[field.name] for klass in cls.__mro__ if field.name in klass.__dict__), None)
        if not isinstance(slot, types.MemberDescriptorType):
            return None  # a default value or a property, not a slot
        namespace[f"_set{index}"] = slot.__set__
        value = field.name
        if field.default is not dataclasses.MISSING:
            namespace[f"_default{index}"] = field.default
            params.append(f"{field.name}=_default{index}")
        elif field.default_factory is not dataclasses.MISSING:
            namespace[f"_factory{index}"] = field.default_factory
            params.append(f"{field.name}=_FACTORY")
            value = f"_factory{index}() if {field.name} is _FACTORY else {field.name}"
        else:
            params.append(field.name)
        body.append(f"_set{index}(self, {value})")
    exec(f"def __init__(self, {', '.join(params)}):\n    " + "\n    ".join(body or ["pass"]), namespace)
    return namespace["__init__"]
