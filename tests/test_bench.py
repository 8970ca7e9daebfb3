"""benchmarks/bench.py's in-process measurements run and leave the engine as they found it (they
time, they assert nothing about time)."""
import importlib.util
import sys

from helpers import FIXTURES, ROOT
from skewlint.run import parser


def _bench():
    spec = importlib.util.spec_from_file_location("bench", ROOT / "benchmarks" / "bench.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("bench", module)  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_interleaved_ratios_leave_the_quick_constructors_installed():
    parser.parse("x = 1\n")  # installs them (each compiled when its class first builds a node)
    files = [(str(path), 0, 0) for path in sorted(FIXTURES.rglob("*.py"))[:3]]
    ratios = _bench().interleaved(files, 2)
    assert len(ratios) == 2 and all(ratio > 0 for ratio in ratios)
    assert not [cls for cls in parser.STOCK if cls.__dict__["__init__"] is parser.STOCK[cls]]
