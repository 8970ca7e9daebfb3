"""The engine's parse builds libcst's nodes through quick constructors (`run/parser.py`): the trees
must be the ones libcst builds itself, and nodes built outside a parse must still be validated."""
from pathlib import Path

import libcst as cst
import pytest

from skewlint.run import parser

ROOT = Path(__file__).resolve().parent.parent


def test_every_node_class_of_this_libcst_gets_a_quick_constructor():
    parser.parse("x = 1\n")
    assert parser._INSTALLED, "no quick constructors: this libcst's nodes are not all slotted dataclasses"
    assert "_set" in cst.Name.__init__.__code__.co_names[0]


def _stock_parse(text: str):
    """libcst's parse with the constructors its dataclasses wrote."""
    quick = {cls: cls.__dict__["__init__"] for cls in parser.STOCK}
    for cls, init in parser.STOCK.items():
        cls.__init__ = init
    try:
        return cst.parse_module(text)
    finally:
        for cls, init in quick.items():
            cls.__init__ = init


def test_trees_equal_libcsts_own_on_every_fixture():
    parser.parse("x = 1\n")
    sources = sorted(ROOT.glob("fixtures/**/*.py"))
    assert len(sources) > 50
    for path in sources:
        text = path.read_text(encoding="utf-8")
        try:
            expected = _stock_parse(text)
        except cst.ParserSyntaxError:
            continue
        for tree in (parser.parse(text), cst.parse_module(text)):  # while parsing, and checking
            assert tree.deep_equals(expected), path
            assert tree.code == text, path


def test_quick_constructors_keep_the_dataclasses_parameters_and_defaults():
    name = cst.Name("x")
    assert name.lpar == () and name.rpar == ()
    call = cst.Call(cst.Name("f"), [cst.Arg(cst.Name("a"))])
    assert cst.Module([]).code_for_node(call) == "f(a)"
    assert cst.Call(func=cst.Name("f")).args == ()
    with pytest.raises(TypeError):
        cst.Name()  # a required field


def test_nodes_built_outside_a_parse_are_validated():
    parser.parse("f(x)\n")
    with pytest.raises(cst.CSTValidationError):
        cst.Name("two words")
    with pytest.raises(cst.ParserSyntaxError):
        parser.parse("x = (\n")
    with pytest.raises(cst.CSTValidationError):  # a failed parse does not leave the check off
        cst.Name("two words")
