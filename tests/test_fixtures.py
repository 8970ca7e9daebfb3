"""Every fixture produces exactly the diagnostics its `# error:` marks declare: none missing, none extra."""
import pytest

from helpers import FIXTURES, expected_marks
from skewlint.engine import lint_file
from skewlint.registry import registry

FIXTURE_FILES = sorted(p for p in FIXTURES.rglob("*.py"))


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_fixture(path):
    expected = expected_marks(path.read_text(encoding="utf-8"))
    result = lint_file(str(path), registry().defaults())
    actual = {(d.location.row, d.code) for d in result.diagnostics}
    assert actual == expected, "\n".join(
        [f"missing: {sorted(expected - actual)}", f"extra: {sorted(actual - expected)}"]
        + [f"{d.location.row}: {d.code} {d.message}" for d in result.diagnostics]
    )


def test_every_default_rule_has_a_positive_fixture():
    marked = set()
    for path in FIXTURE_FILES:
        marked |= {code for _, code in expected_marks(path.read_text(encoding="utf-8"))}
    assert registry().defaults() <= marked, sorted(registry().defaults() - marked)
