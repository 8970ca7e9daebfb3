"""Every fixture produces exactly the diagnostics its `# error:` marks declare: none missing, none extra."""
import pytest

from helpers import FIXTURES, expected_marks
from skewlint.run import project
from skewlint.config.settings import Overrides, Resolver
from skewlint.run.engine import lint_file
from skewlint.registry import registry

FIXTURE_FILES = sorted(p for p in FIXTURES.rglob("*.py"))


def lint_fixture(path):
    """Lint a fixture; a file inside a `project_*` folder is linted with the rest of its project and
    the project phase (cross-file rules, declared configuration) runs over them."""
    project_dir = next((p for p in path.parents if p.name.startswith("project_")), None)
    files = sorted(project_dir.rglob("*.py")) if project_dir else [path]
    results = [lint_file(str(f), registry().defaults()) for f in files]
    resolver = Resolver(Overrides())
    project.check(results, lambda p: resolver.for_path(p).declared_normalization(p))
    return next(r for r in results if r.path == str(path))


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_fixture(path):
    expected = expected_marks(path.read_text(encoding="utf-8"))
    result = lint_fixture(path)
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
