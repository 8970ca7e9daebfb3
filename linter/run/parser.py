"""libcst's parse, with its nodes built the quick way.

The native parser builds every node by calling its Python class, and the `__init__` that
`dataclasses` writes for libcst's frozen, slotted nodes sets each field through
`object.__setattr__` (a lookup through the class's ancestry per field) and then validates the node.
From the first parse, each node class gets (compiled when its first node is built) an `__init__`
with the same parameters and defaults that stores the fields through their slots and validates the
node as libcst's does, unless a parse is running: the parser only builds valid nodes (libcst's
own comment on `CSTNode.__post_init__` says that this check belongs elsewhere). A tenth of the
parse, and the parse is most of a run; nodes built outside a parse (a fix's) are checked. With a
libcst whose node classes are not all slotted dataclasses, the nodes are built by their own
`__init__`, still without the check while parsing.
"""
from __future__ import annotations

import dataclasses
import functools
import types
from contextlib import contextmanager
from typing import Callable, Dict, Iterator, Optional

# The quick constructors' globals: `checking` is False while a parse runs.
# `_FACTORY` is the dataclasses' own "use the default factory" default, which callers that read the
# signature (hypothesis) pass back explicitly.
_SHARED: dict = {"checking": True, "_FACTORY": getattr(dataclasses, "_HAS_DEFAULT_FACTORY", object())}
_INSTALLED: Optional[bool] = None  # whether every node class has its quick __init__ (decided once)
STOCK: Dict[type, Callable] = {}  # node class -> the __init__ its dataclass wrote (the tests compare)


def parse(text: str):
    import libcst as cst

    if _installed(cst):
        _SHARED["checking"] = False
        try:
            return cst.parse_module(text)
        finally:
            _SHARED["checking"] = True
    node_class = cst.CSTNode
    check = node_class.__dict__.get("__post_init__")
    if check is None:  # another libcst: parse as it does
        return cst.parse_module(text)
    node_class.__post_init__ = _unchecked
    try:
        return cst.parse_module(text)
    finally:
        node_class.__post_init__ = check


@contextmanager
def stock() -> Iterator[None]:
    """libcst's own constructors for the duration (the tests and `benchmarks/bench.py` compare
    with them), the quick ones back afterwards."""
    quick = {cls: cls.__dict__["__init__"] for cls in STOCK}
    for cls, init in STOCK.items():
        cls.__init__ = init
    try:
        yield
    finally:
        for cls, init in quick.items():
            cls.__init__ = init


def _unchecked(node) -> None:
    pass


def _installed(cst) -> bool:
    global _INSTALLED
    if _INSTALLED is None:
        node_class = cst.CSTNode
        # `issubclass` through libcst's ABC walks every subclass of CSTNode for each non-node: half
        # of this start-up cost. The MRO says the same.
        classes = [value for value in vars(cst).values()
                   if isinstance(value, type) and node_class in value.__mro__ and value is not node_class
                   and "__init__" in value.__dict__]
        sources = [_quick_init(cls, index) for index, cls in enumerate(classes)]
        # All or nothing: a node class this does not understand keeps libcst's way for every node.
        _INSTALLED = bool(sources) and all(source is not None for source in sources)
        if _INSTALLED:
            for index, cls in enumerate(classes):
                STOCK[cls] = cls.__dict__["__init__"]
                cls.__init__ = _compiled_when_first_called(cls, sources[index], index)
    return _INSTALLED


def _compiled_when_first_called(cls: type, source: str, index: int) -> Callable:
    """An `__init__` that compiles the class's quick one when a node of the class is first built,
    puts it in its own place and builds the node with it. A run builds about half of libcst's node
    classes, and compiling all of them was 13 ms of every start-up. Introspection (inspect.signature,
    type hints: hypothesis builds nodes by them) sees the dataclass's own signature."""
    def __init__(self, *args, **kwargs):
        namespace: dict = {}
        exec(source, _SHARED, namespace)
        init = functools.update_wrapper(namespace[f"_init_{index}"], STOCK[cls])
        if cls.__dict__.get("__init__") is __init__:  # not swapped for libcst's own (`stock()`)
            cls.__init__ = init
        init(self, *args, **kwargs)

    return functools.update_wrapper(__init__, STOCK[cls])


def _quick_init(cls: type, index: int) -> Optional[str]:
    """The source of `_init_<index>`: an `__init__` with the dataclass's parameters and defaults
    that stores each field through its slot's descriptor and then, outside a parse, runs
    `__post_init__` (libcst's validation) as the dataclass's own does; None if `cls` is not a
    slotted dataclass."""
    if not dataclasses.is_dataclass(cls) or "__post_init__" in cls.__dict__:
        return None
    params, body = [], []
    for number, field in enumerate(dataclasses.fields(cls)):
        if not field.init or getattr(field, "kw_only", False) is True:
            return None
        slot = next((klass.__dict__[field.name] for klass in cls.__mro__ if field.name in klass.__dict__), None)
        if not isinstance(slot, types.MemberDescriptorType):
            return None  # a default value or a property, not a slot
        name = f"_{index}_{number}"
        _SHARED[f"_set{name}"] = slot.__set__
        value = field.name
        if field.default is not dataclasses.MISSING:
            _SHARED[f"_default{name}"] = field.default
            params.append(f"{field.name}=_default{name}")
        elif field.default_factory is not dataclasses.MISSING:
            _SHARED[f"_factory{name}"] = field.default_factory
            params.append(f"{field.name}=_FACTORY")
            value = f"_factory{name}() if {field.name} is _FACTORY else {field.name}"
        else:
            params.append(field.name)
        body.append(f"_set{name}(self, {value})")
    body.append("if checking:\n        self.__post_init__()")
    return f"def _init_{index}(self, {', '.join(params)}):\n    " + "\n    ".join(body)
