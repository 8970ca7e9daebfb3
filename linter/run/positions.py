"""Where nodes are in the source. libcst finds positions by generating the code of the whole module
(its PositionProvider): about 1.5 times the parse, so only files that need positions pay for it,
and a file with findings pays only for the nodes they name (`of`)."""
from __future__ import annotations

import re
from contextlib import contextmanager, nullcontext
from typing import Dict, Optional

from skewlint.lazy import libcst as cst
from skewlint.semantic.walk import parents


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


def of(module, nodes, text: Optional[str] = None) -> dict:
    """PositionProvider's ranges of `nodes` alone, by a plain code generation pass: with the
    module's `text`, of only the statements that hold them (`_by_statements`), else from the top of
    the module until the last of them. The provider's bookkeeping for every node is four fifths of
    its cost. The same libcst internals as `every` (`_codegen`); if they change, `every` answers."""
    wanted = [node for node in nodes if node is not None]
    if not wanted:
        return {}
    try:
        with _plain_parentheses():
            found = _by_statements(module, text, wanted) if text is not None else None
            if found is None:
                state = _Selective(module, {id(node) for node in wanted})
                try:
                    module._codegen(state)
                except _Done:
                    pass
                found = state.found
        return {node: found[id(node)] for node in wanted if id(node) in found}
    except (AttributeError, TypeError):
        positions = every(module)
        return {node: positions[node] for node in wanted if node in positions}


def _by_statements(module, text: str, wanted: list) -> Optional[dict]:
    """The ranges of `wanted`, generating only the statements that hold them. A statement's code,
    generated with the indentation of the blocks around it, starts a line and occurs in `text`
    where the statement is: if it occurs there once, that is where. The innermost statement is
    tried first (a line or two). While the code is not unique, the statement before it is
    generated with it (two statements), then the statement around it, out to the top level. None
    if nothing occurs once, a node is not inside a statement (the module itself), or the text has
    a `\r`: libcst counts a line break split over two tokens as two rows, which the text alone
    does not show."""
    if "\r" in text:
        return None
    held = parents(module)
    # their ids -> (consecutive statements of one block, ids of the wanted nodes inside them)
    pending: Dict[tuple, tuple] = {}
    for node in wanted:
        statement = _statement_of(held, node)
        if statement is None:
            return None
        pending.setdefault((id(statement),), ((statement,), set()))[1].add(id(node))
    found: dict = {}
    while pending:
        retry: Dict[tuple, tuple] = {}  # runs whose code is not unique, with more code around them
        for run, asked in pending.values():
            if _located(module, text, run, asked, held, found):
                continue
            block = held[id(run[0])]
            body = block.body
            index = next(i for i, statement in enumerate(body) if statement is run[0])
            if len(run) == 1 and index > 0:
                run = (body[index - 1], run[0])
            else:
                around = _statement_of(held, block)
                if around is None:
                    return None
                run = (around,)
            retry.setdefault(tuple(map(id, run)), (run, set()))[1].update(asked)
        pending = retry
    return found


def _statement_of(held: dict, node):
    """The innermost statement holding `node` (itself if it is one): the node whose parent is a
    block or the module. None for the module."""
    while type(held.get(id(node))) not in (cst.Module, cst.IndentedBlock):
        node = held.get(id(node))
        if node is None:
            return None
    return node


def _located(module, text: str, run: tuple, asked: set, held: dict, found: dict) -> bool:
    """Generate the consecutive statements `run` until the `asked` nodes are done and add their
    ranges to `found` if that code occurs once in `text`."""
    from libcst._position import CodePosition, CodeRange

    state = _Selective(module, set(asked))
    indents = []  # the indentation the blocks around it add (libcst's `increase_indent`)
    block = held.get(id(run[0]))
    while block is not module:
        if type(block) in (cst.IndentedBlock, cst.Match):
            indents.append(module.default_indent if block.indent is None else block.indent)
        block = held[id(block)]
    state.indent_tokens.extend(reversed(indents))
    try:
        for statement in run:
            statement._codegen(state)
    except _Done:  # its code up to its last wanted node: still found only where it is
        pass
    start = _found_once(text, "".join(state.tokens), line_start=True)
    if start is None:
        return False
    line = _row_column(text, start)[0] - 1  # the rows before the statements (which start a line)
    for key, span in state.found.items():
        found[key] = CodeRange(CodePosition(span.start.line + line, span.start.column),
                               CodePosition(span.end.line + line, span.end.column))
    return True


@contextmanager
def _plain_parentheses():
    """libcst generates every expression inside `with self._parenthesize(state)`, a generator-based
    context manager: a third of this pass. For the pass, the same steps as a plain class (another
    libcst, without that method: its own way)."""
    try:
        from libcst._nodes.expression import _BaseParenthesizedNode
    except ImportError:
        _BaseParenthesizedNode = None
    own = getattr(_BaseParenthesizedNode, "__dict__", {}).get("_parenthesize")
    if own is None:
        yield
        return
    _BaseParenthesizedNode._parenthesize = _parenthesized
    try:
        yield
    finally:
        _BaseParenthesizedNode._parenthesize = own


def _parenthesized(node, state) -> "_Parenthesized":
    return _Parenthesized(node, state)


class _Parenthesized:
    """libcst's `_parenthesize`: the node's opening parentheses, its syntactic range around its own
    code, its closing parentheses (not generated if the code inside raises, as with the generator)."""

    __slots__ = ("node", "state", "inner")

    def __init__(self, node, state):
        self.node, self.state = node, state

    def __enter__(self):
        for lpar in self.node.lpar:
            lpar._codegen(self.state)
        self.inner = self.state.record_syntactic_position(self.node)
        self.inner.__enter__()

    def __exit__(self, kind, error, trace):
        self.inner.__exit__(kind, error, trace)
        if kind is None:
            for rpar in self.node.rpar:
                rpar._codegen(self.state)
        return False


class _Done(Exception):
    """Every wanted range is known: the rest of the module need not be generated."""


def _selective_state():
    from libcst._nodes.internal import CodegenState
    from libcst._position import CodePosition, CodeRange

    class Selective(CodegenState):
        """libcst's plain code generation state, counting rows and columns only when a wanted node
        starts or ends, and recording the ranges as PositionProvider does (a node's syntactic range,
        set by `record_syntactic_position`, wins over the range of its whole code)."""

        def __init__(self, module, wanted: set):
            super().__init__(default_indent=module.default_indent, default_newline=module.default_newline)
            self.wanted = wanted
            self.open = len(wanted)  # wanted nodes whose range is not known yet
            self.found: dict = {}  # id(node) -> CodeRange
            self.starts: dict = {}
            self.line, self.column, self.counted = 1, 0, 0

        def _now(self):
            tokens = self.tokens
            if self.counted < len(tokens):
                chunk = "".join(tokens[self.counted:])
                if "\r" in chunk:  # a lone "\r" token before a "\n" token: count token by token, as libcst does
                    for token in tokens[self.counted:]:
                        self._advance(token)
                else:
                    self._advance(chunk)
                self.counted = len(tokens)
            return CodePosition(self.line, self.column)

        def _advance(self, text: str) -> None:
            rows = text.count("\n") if "\r" not in text else len(_NEWLINE.findall(text))
            if rows:
                self.line += rows
                self.column = len(_NEWLINE.split(text)[-1])
            else:
                self.column += len(text)

        def pop_trailing_newline(self) -> None:
            self._now()  # libcst counted the newline before dropping it: the module's range ends after it
            super().pop_trailing_newline()
            self.counted = len(self.tokens)

        def _want(self, node) -> None:
            if node is not None and id(node) not in self.wanted:
                self.wanted.add(id(node))
                self.open += 1

        def before_codegen(self, node) -> None:
            if id(node) in self.wanted:
                self.starts[id(node)] = self._now()

        def after_codegen(self, node) -> None:
            key = id(node)
            if key in self.wanted and key in self.starts:
                start = self.starts.pop(key)
                if key not in self.found:
                    self.found[key] = CodeRange(start, self._now())
                self.open -= 1
                if not self.open:
                    raise _Done

        def record_syntactic_position(self, node, *, start_node=None, end_node=None):
            # Asked of most nodes: a shared no-op for the unwanted ones, not a generator each.
            if id(node) not in self.wanted:
                return _UNWANTED
            return Recording(self, node, start_node, end_node)

    class Recording:
        """The syntactic range of a wanted node, as PositionProvider records it."""

        def __init__(self, state, node, start_node, end_node):
            self.state, self.node, self.start_node, self.end_node = state, node, start_node, end_node

        def __enter__(self):
            self.state._want(self.start_node)  # the children whose ranges this one borrows
            self.state._want(self.end_node)
            self.start = self.state._now()

        def __exit__(self, kind, error, trace):
            if kind is not None:  # `_Done` from inside: nothing is recorded, as libcst's generator would
                return False
            state, start, end = self.state, self.start, self.state._now()
            if self.start_node is not None:
                start = state.found[id(self.start_node)].start
            if self.end_node is not None:
                end = state.found[id(self.end_node)].end
            state.found[id(self.node)] = CodeRange(start, end)
            return False

    return Selective


_UNWANTED = nullcontext()


_NEWLINE = re.compile(r"\r\n?|\n")
_SELECTIVE = []


def _Selective(module, wanted: set):
    if not _SELECTIVE:
        _SELECTIVE.append(_selective_state())
    return _SELECTIVE[0](module, wanted)


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
            found = _found_once(self.text, code, start, end)
            return None if found is None else (found, found + len(code))
        pattern = re.compile("\n[ \t]*".join(re.escape(line) for line in code.split("\n")))
        matches = pattern.finditer(self.text, start, end)
        first, second = next(matches, None), next(matches, None)
        return first.span() if first is not None and second is None else None

    def _position(self, offset: int):
        return _row_column(self.text, offset)


def _found_once(text: str, code: str, start: int = 0, end: Optional[int] = None,
                line_start: bool = False) -> Optional[int]:
    """Where `code` is in text[start:end] if it is there exactly once (and is not empty), else None.
    With `line_start`, only the places where a line starts count (`f(x)` as a statement is not the
    end of `y = f(x)`)."""
    def next_from(offset: int) -> int:
        found = text.find(code, offset, end)
        while line_start and found > 0 and text[found - 1] != "\n":
            found = text.find(code, found + 1, end)
        return found

    found = next_from(start) if code else -1
    return found if found >= 0 and next_from(found + 1) < 0 else None


def _row_column(text: str, offset: int) -> tuple:
    """(row from 1, column from 0) of an offset, counting `\n` line breaks (the callers refuse
    text where libcst would count others)."""
    return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1)
