import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def pytest_addoption(parser):
    parser.addoption("--soak", type=int, default=0, metavar="N",
                     help="fuzz tests: N fresh random examples per test instead of the bounded, "
                          "derandomized suite run")


def pytest_configure(config):
    import pytest

    pytest.soak = config.getoption("--soak")
