"""The engine's positions: exactly what libcst's PositionProvider gives through MetadataWrapper."""
import libcst as cst
import pytest
from libcst.metadata import PositionProvider

from helpers import FIXTURES
from skewlint.engine import _positions

SOURCES = sorted(p for p in FIXTURES.rglob("*.py") if "syntax_error" not in p.name)


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_direct_positions_equal_the_wrappers(path):
    module = cst.parse_module(path.read_text(encoding="utf-8"))
    expected = cst.MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    assert dict(_positions(module)) == dict(expected)


def test_crlf_tabs_and_continuations():
    text = "import torch\r\nif x:\r\n\tmodel.eval \\\r\n  ; y = (1,\r\n 2)\r\n"
    module = cst.parse_module(text)
    expected = cst.MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    assert dict(_positions(module)) == dict(expected) and len(expected) > 10
