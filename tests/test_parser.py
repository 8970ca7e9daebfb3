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
    with parser.stock():
        return cst.parse_module(text)


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


def test_quick_constructors_show_the_dataclasses_signature():
    """Code that builds nodes from their signature (hypothesis, in the fuzz tests) sees libcst's own,
    and may pass back its "use the default factory" default."""
    import dataclasses
    import inspect
    import typing

    parser.parse("x = 1\n")
    for cls in (cst.Name, cst.Call, cst.FunctionDef, cst.Module):
        assert inspect.signature(cls.__init__) == inspect.signature(parser.STOCK[cls])
        assert typing.get_type_hints(cls.__init__) == typing.get_type_hints(parser.STOCK[cls])
    factories = [(cls, f) for cls in parser.STOCK for f in dataclasses.fields(cls)
                 if f.default_factory is not dataclasses.MISSING]
    for cls, field in factories:
        default = inspect.signature(cls.__init__).parameters[field.name].default
        required = {name: cst.Name("x") for name, p in inspect.signature(cls.__init__).parameters.items()
                    if name != "self" and p.default is inspect.Parameter.empty}
        try:
            node = cls(**required, **{field.name: default})
        except Exception:  # noqa: BLE001 - a required field that is not a name: not this test's business
            continue
        assert repr(getattr(node, field.name)) == repr(field.default_factory()), (cls, field.name)  # nodes: by fields


def test_a_quick_constructor_is_compiled_when_its_class_first_builds_a_node(monkeypatch):
    """Each class carries a stand-in until its first node: it compiles the quick constructor, puts it
    in its place and builds the node with it (a run builds about half of libcst's classes)."""
    import inspect

    parser.parse("x = 1\n")
    cls = cst.Integer
    stand_in = parser._compiled_when_first_called(cls, parser._quick_init(cls, 999), 999)
    monkeypatch.setattr(cls, "__init__", stand_in)
    assert inspect.signature(cls.__init__) == inspect.signature(parser.STOCK[cls])
    assert cst.Integer("7").value == "7"
    assert cls.__dict__["__init__"] is not stand_in and cls.__init__.__code__.co_name == "_init_999"
    with pytest.raises(cst.CSTValidationError):  # built outside a parse: validated
        cst.Integer("seven")
