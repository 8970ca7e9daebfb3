"""Where nodes are in the source. libcst finds positions by generating the code of the whole module
(its PositionProvider): about 1.5 times the parse, so only files that need positions pay for it."""
from __future__ import annotations

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
    """The ranges of a few nodes (a file summary's normalizations): a node whose code occurs once
    in the file is where that text is; any other sends every node through `every`, once."""

    def __init__(self, module, text: str):
        self.module = module
        self.text = text
        self._every = None
        # Line breaks other than \n and \r\n (a lone \r) would make the text's rows disagree with libcst's.
        self._plain = text.count("\r") == text.count("\r\n")

    def __getitem__(self, node):
        if self._every is None and self._plain:
            code = self.module.code_for_node(node)
            start = self.text.find(code)
            if code and start >= 0 and self.text.find(code, start + 1) < 0:
                from libcst.metadata import CodeRange

                # libcst's range leaves out the node's own parentheses (and the space inside them).
                opening = sum(len(self.module.code_for_node(p)) for p in getattr(node, "lpar", ()))
                closing = sum(len(self.module.code_for_node(p)) for p in getattr(node, "rpar", ()))
                return CodeRange(self._position(start + opening), self._position(start + len(code) - closing))
        if self._every is None:
            self._every = every(self.module)
        return self._every[node]

    def _position(self, offset: int):
        line_start = self.text.rfind("\n", 0, offset) + 1
        return (self.text.count("\n", 0, offset) + 1, offset - line_start)
