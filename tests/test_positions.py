"""Positions: exactly what libcst's PositionProvider gives through MetadataWrapper, whichever way
skewlint computes them."""
import libcst as cst
import pytest
from libcst.metadata import PositionProvider

from helpers import FIXTURES
from skewlint.positions import Spans, every
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


@pytest.mark.parametrize("text", [
    *(p.read_text(encoding="utf-8") for p in SOURCES),
    CRLF_TABS,
    "x = ( ( f(a) ) )\ny = f(a)\nz = ((a - m) / s)\nw = (\n  # why\n  g(b) )\n",  # parentheses, repeats
    "if a:\n    t = N(m, s)\nelse:\n    u = N(m, s)\n    u = N(m, s)\n",  # a repeat in a unique statement, and not
    "def f():\n    t = C([\n        N(m,\n          s),\n    ])\n    v = C([\n        N(m,\n          s),\n    ])\n",
    "def f():\r\n    t = N(m,\r\n          s)\r\n",  # continuation lines inside a block, CRLF
    "x = f(a)\ry = f(b)\r",  # lone \r line breaks: rows are libcst's
    "s = '\tf(a)'\nx = \tf(a)\n",  # tabs; the text also inside a string
])
def test_spans_found_by_text_equal_the_wrappers(text):
    module = cst.parse_module(text)
    want = expected(module)
    for statement in descendants(module):
        if type(statement) is not cst.SimpleStatementLine:
            continue
        for node in descendants(statement):
            if type(node) in (cst.Call, cst.BinaryOperation, cst.Attribute, cst.Name):
                assert Spans(module, text)[node] == want[node], module.code_for_node(node)
                assert Spans(module, text).find(node, within=statement) == want[node], module.code_for_node(node)
