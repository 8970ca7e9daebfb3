"""The engine's parse builds libcst's nodes through quick constructors (`run/parser.py`): the trees
must be the ones libcst builds itself, and libcst's own constructors must be back afterwards."""
from pathlib import Path

import libcst as cst

from skewlint.run import parser

ROOT = Path(__file__).resolve().parent.parent


def test_every_node_class_of_this_libcst_gets_a_quick_constructor():
    parser.parse("x = 1\n")
    assert parser._QUICK, "no quick constructors: this libcst's nodes are not slotted dataclasses"
    assert cst.Name in parser._QUICK and cst.Call in parser._QUICK and cst.Module in parser._QUICK


def test_trees_equal_libcsts_own_on_every_fixture():
    sources = sorted(ROOT.glob("fixtures/**/*.py"))
    assert len(sources) > 50
    for path in sources:
        text = path.read_text(encoding="utf-8")
        try:
            expected = cst.parse_module(text)
        except cst.ParserSyntaxError:
            continue
        quick = parser.parse(text)
        assert quick.deep_equals(expected), path
        assert quick.code == text, path


def test_libcsts_constructors_and_checks_are_back_after_a_parse():
    stock = cst.Name.__dict__["__init__"]
    parser.parse("f(x)\n")
    assert cst.Name.__dict__["__init__"] is stock
    try:
        cst.Name("two words")
    except cst.CSTValidationError:
        pass
    else:
        raise AssertionError("a node built after the parse was not validated")
    try:
        parser.parse("x = (\n")
    except cst.ParserSyntaxError:
        pass
    assert cst.Name.__dict__["__init__"] is stock
