"""Where nodes are in the source. libcst finds positions by generating the code of the whole module
(its PositionProvider): about 1.5 times the parse, so only files that need positions pay for it."""
from __future__ import annotations

import re

from skewlint.lazy import libcst as cst


def every(module):
    """PositionProvider's range of every node, computed by the provider directly: through
    MetadataWrapper.resolve a full visitor pass over the tree comes on top of the provider's own
    code generation pass (on real scripts: 2.4x the parse through the wrapper, 1.5x directly).
    This relies on libcst internals (`_gen_impl`, `_computed`); if they change, the wrapper works."""
    from libcst.metadata import PositionProvider

    provider = PositionProvider()
    try:
        provider._gen_impl(module)
        return provider._computed
    except AttributeError:
        return cst.MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)


class Spans:
    """The ranges of a few nodes (a file summary's normalizations), found by their text: a node's
    code that occurs once in the file, or once in the code of an enclosing statement that occurs
    once (the same `Normalize(...)` in a train and a test pipeline). Anything else sends every node
    through `every`, once."""

    def __init__(self, module, text: str):
        self.module = module
        self.text = text
        self._every = None
        # Line breaks other than \n and \r\n (a lone \r) would make the text's rows disagree with libcst's.
        self._plain = text.count("\r") == text.count("\r\n")

    def find(self, node, within=None):
        if self._every is None and self._plain:
            code = self.module.code_for_node(node)
            found = self._once(code, 0, len(self.text))
            if found is None and within is not None:
                outer = self._once(self.module.code_for_node(within), 0, len(self.text))
                found = None if outer is None else self._once(code, *outer)
            # libcst's range leaves out the node's own parentheses (and the space inside them).
            opening = [self.module.code_for_node(p) for p in getattr(node, "lpar", ())]
            closing = [self.module.code_for_node(p) for p in getattr(node, "rpar", ())]
            if found is not None and "\n" not in "".join(opening + closing):
                from libcst.metadata import CodeRange

                start, end = found[0] + len("".join(opening)), found[1] - len("".join(closing))
                return CodeRange(self._position(start), self._position(end))
        if self._every is None:
            self._every = every(self.module)
        return self._every[node]

    __getitem__ = find

    def _once(self, code: str, start: int, end: int):
        """(start, end) of `code` in text[start:end] if it is there exactly once, else None. A node
        inside an indented block is generated without the block's indentation on its continuation
        lines: there the text may have more."""
        if not code:
            return None
        if "\n" not in code:
            found = self.text.find(code, start, end)
            return (found, found + len(code)) if found >= 0 and self.text.find(code, found + 1, end) < 0 else None
        pattern = re.compile("\n[ \t]*".join(re.escape(line) for line in code.split("\n")))
        matches = pattern.finditer(self.text, start, end)
        first, second = next(matches, None), next(matches, None)
        return first.span() if first is not None and second is None else None

    def _position(self, offset: int):
        line_start = self.text.rfind("\n", 0, offset) + 1
        return (self.text.count("\n", 0, offset) + 1, offset - line_start)
