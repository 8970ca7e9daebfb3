import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def pytest_addoption(parser):
    parser.addoption("--soak", type=int, default=0, metavar="N",
                     help="fuzz tests: N fresh random examples per test instead of the bounded, "
                          "derandomized suite run; the Ctrl-C test: N fresh random moments")


def pytest_configure(config):
    import pytest

    pytest.soak = config.getoption("--soak")


def pytest_collection_modifyitems(items):
    # pytest copies a test's ID into the environment variable PYTEST_CURRENT_TEST, which the kernel
    # limits to 128 KiB; pytest before 9 makes a string parameter, however large, part of the ID.
    # A large input needs `ids=` (or `pytest.param(..., id=...)`).
    import pytest

    long = [item.nodeid[:100] for item in items if len(item.nodeid) > 1024]
    if long:
        raise pytest.UsageError(f"test IDs over 1 KiB (give their parameters ids=): {long}")
