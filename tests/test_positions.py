"""Positions: exactly what libcst's PositionProvider gives through MetadataWrapper, whichever way
skewlint computes them."""
import libcst as cst
import pytest
from libcst.metadata import PositionProvider

from helpers import FIXTURES
from skewlint.run import positions
from skewlint.run.positions import Spans, every
from skewlint.semantic.walk import descendants

SOURCES = sorted(p for p in FIXTURES.rglob("*.py") if "syntax_error" not in p.name)
CRLF_TABS = "import torch\r\nif x:\r\n\tmodel.eval \\\r\n  ; y = (1,\r\n 2)\r\n"


def expected(module):
    return cst.MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_direct_positions_equal_the_wrappers(path):
    module = cst.parse_module(path.read_text(encoding="utf-8"))
    assert dict(every(module)) == dict(expected(module))


def test_crlf_tabs_and_continuations():
    module = cst.parse_module(CRLF_TABS)
    assert dict(every(module)) == dict(expected(module)) and len(expected(module)) > 10


# Explicit ids: a whole file as its own test ID would be copied into PYTEST_CURRENT_TEST.
@pytest.mark.parametrize("text", [
    *(pytest.param(p.read_text(encoding="utf-8"), id=p.name) for p in SOURCES),
    pytest.param(CRLF_TABS, id="crlf-tabs"),
    pytest.param("x = ( ( f(a) ) )\ny = f(a)\nz = ((a - m) / s)\nw = (\n  # why\n  g(b) )\n", id="parentheses"),
    pytest.param("if a:\n    t = N(m, s)\nelse:\n    u = N(m, s)\n    u = N(m, s)\n",
                 id="repeat-in-unique-statement"),  # a repeat in a unique statement, and not
    pytest.param("def f():\n    t = C([\n        N(m,\n          s),\n    ])\n"
                 "    v = C([\n        N(m,\n          s),\n    ])\n", id="repeated-multiline"),
    pytest.param("def f():\r\n    t = N(m,\r\n          s)\r\n", id="continuation-crlf"),  # inside a block
    pytest.param("x = f(a)\ry = f(b)\r", id="lone-cr"),  # lone \r line breaks: rows are libcst's
    pytest.param("s = '\tf(a)'\nx = \tf(a)\n", id="tabs"),  # tabs; the text also inside a string
])
def test_spans_found_by_text_equal_the_wrappers(text, monkeypatch):
    module = cst.parse_module(text)
    want = expected(module)
    # A fresh Spans per node, so that each node is first looked for by its text. Where that fails
    # Spans computes the whole position table: here once for the file, not again for every node.
    table = every(module)
    monkeypatch.setattr(positions, "every", lambda m: table if m is module else pytest.fail("another module"))
    for statement in descendants(module):
        if type(statement) is not cst.SimpleStatementLine:
            continue
        for node in descendants(statement):
            if type(node) in (cst.Call, cst.BinaryOperation, cst.Attribute, cst.Name):
                assert Spans(module, text)[node] == want[node], module.code_for_node(node)
                assert Spans(module, text).find(node, within=statement) == want[node], module.code_for_node(node)


@pytest.mark.parametrize("with_text", [False, True], ids=["from-the-top", "by-statements"])
@pytest.mark.parametrize("path", SOURCES[::4], ids=lambda p: p.name)
def test_ranges_of_a_few_nodes_equal_the_wrappers_without_the_full_pass(path, with_text, monkeypatch):
    """`of` generates the code up to the last wanted node (or, given the text, only the top-level
    statements that hold the wanted nodes) with its own state and plain context managers; an error
    there would fall back to the full pass silently, so here it may not."""
    from libcst._nodes.expression import _BaseParenthesizedNode

    text = path.read_text(encoding="utf-8")
    module = cst.parse_module(text)
    want = expected(module)
    own = _BaseParenthesizedNode.__dict__["_parenthesize"]
    monkeypatch.setattr(positions, "every", lambda m: pytest.fail("fell back to the full position pass"))
    nodes = list(descendants(module))[1:]  # not the module: it is in no statement
    for start in range(3):
        asked = nodes[start::3]
        assert positions.of(module, asked, text if with_text else None) == {node: want[node] for node in asked}
    for node in nodes[::7]:  # alone: its statement's code up to the node
        assert positions.of(module, [node], text if with_text else None) == {node: want[node]}
    assert _BaseParenthesizedNode.__dict__["_parenthesize"] is own  # libcst's own, back


@pytest.mark.parametrize("text, by_statements", [
    # a repeated statement: found with the statement before it
    ("import torch\nmodel.eval()\nx = 1\nmodel.eval()\n", True),
    ("model.eval()\nmodel.eval()\nmodel.eval()\n", False),  # ... unless that repeats too: from the top
    ("f(x)\ny = f(x)\n", True),  # a statement's code is where a line starts, not the end of another
    ("x = f(a)\n\n# a comment\nif x:\n    y = f(a)  # why\n    z = (1,\n  2)\n", True),
    ("def f():\n\tif a:\n\t\treturn g(b)\nf()\n", True),  # tabs
    ("def f():\n\treturn g(b)\nf()", False),  # no final line break: `f()` is generated with one
    ("x = f(a)\r\ny = f(b)\r\n", False),  # \r: from the top
    ("x = 'é'; y = f(a)\n", True),  # columns count characters
    # a nested statement that occurs twice: found through its top-level statement
    ("def f():\n    x = g(a)\n    if b:\n        # c\n# at zero\n        y = g(a)\n    x = g(a)\n", True),
    ("if a:\n  if b:\n      x = f(1)\n  else:\n   y = (1,\n 2)\n", True),  # each block its own indent
    ("match x:\n    case 1:\n        y = f(a)\n    case _:\n        pass\n", True),  # `match` indents too
    ("def f():\n    pass\ndef f():\n    pass\n", False),  # the same code twice, at the top
])
def test_ranges_by_statements_equal_the_wrappers(text, by_statements):
    module = cst.parse_module(text)
    want = expected(module)
    nodes = list(descendants(module))
    assert positions.of(module, nodes, text) == {node: want[node] for node in nodes}
    for node in nodes:
        assert positions.of(module, [node], text) == {node: want[node]}
    assert (positions._by_statements(module, text, nodes[1:]) is not None) == by_statements


def test_the_innermost_statement_is_generated_first(monkeypatch):
    text = "def f():\n    x = g(a)\n    return x\n"
    module = cst.parse_module(text)
    call = next(node for node in descendants(module) if type(node) is cst.Call)
    generated = []
    located = positions._located
    monkeypatch.setattr(positions, "_located", lambda m, t, run, *rest: generated.append(run) or
                        located(m, t, run, *rest))
    assert positions.of(module, [call], text) == {call: expected(module)[call]}
    assert [[type(statement) for statement in run] for run in generated] == [[cst.SimpleStatementLine]]
