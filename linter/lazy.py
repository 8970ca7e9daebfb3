"""libcst, imported on first use. Every module writes `from skewlint.lazy import libcst as cst`, so a
run whose files are all cached or mention no ML framework never pays for importing libcst."""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any


class _LazyModule:
    def __init__(self, name: str) -> None:
        self.__dict__["_name"] = name

    def __getattr__(self, attribute: str) -> Any:
        module = importlib.import_module(self.__dict__["_name"])
        # From now on attributes are found in this object's own dict (`__getattr__` is not called).
        self.__dict__.update(vars(module))
        return getattr(module, attribute)


if TYPE_CHECKING:  # a type checker sees the module itself
    import libcst as libcst
else:
    libcst = _LazyModule("libcst")
