"""Layer 1: local names to qualified names (`T.Compose` -> `torchvision.transforms.Compose`)."""
from __future__ import annotations

from typing import Dict, Optional

from skewlint.lazy import libcst as cst

from skewlint.adapters import canonical
from skewlint.semantic.names import dotted


class Imports:
    def __init__(self) -> None:
        self.aliases: Dict[str, str] = {}
        # Modules imported with `from m import *`: any unknown name may come from them.
        self.star_modules: list = []

    def add(self, node, package: Optional[str] = None) -> None:
        if type(node) is cst.Import:
            for alias in node.names:
                full = dotted(alias.name)
                if alias.asname is not None:
                    self.aliases[alias.asname.name.value] = full
                else:  # `import a.b` binds `a`
                    head = full.split(".")[0]
                    self.aliases[head] = head
        elif type(node) is cst.ImportFrom:
            module = dotted(node.module) if node.module is not None else ""
            if node.relative:
                module = "." * len(node.relative) + (module or "")
            if type(node.names) is cst.ImportStar:
                self.star_modules.append(module)
                return
            for alias in node.names:
                name = alias.name.value if type(alias.name) is cst.Name else dotted(alias.name)
                local = alias.asname.name.value if alias.asname is not None else name
                self.aliases[local] = f"{module}.{name}" if module else name

    def qualify(self, node) -> Optional[str]:
        """The canonical qualified name of a Name/Attribute chain whose head is imported, else None."""
        head = node
        while type(head) is cst.Attribute:
            head = head.value
        target = self.aliases.get(head.value) if type(head) is cst.Name else None
        if target is None:  # most names are not imported: no need to build the dotted text
            return None
        _, _, rest = dotted(node).partition(".")
        return canonical(f"{target}.{rest}" if rest else target)
