import re

import pytest

from helpers import ROOT
from skewlint.registry import Registry, SelectorError, registry


def test_every_rule_is_documented():
    for rule in registry():
        doc = rule.documentation()
        for heading in ("## What it does", "## Why is this bad?", "## Example", "## Use instead", "## Fix safety"):
            assert heading in doc, (rule.code, heading)
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", rule.name), rule.name


@pytest.mark.parametrize(
    "selector, expected",
    [
        ("SKW103", {"SKW103"}),
        ("mode-method-not-called", {"SKW103"}),
        ("SKW10", {"SKW103", "SKW104", "SKW106"} | {c for c in registry().rules if c.startswith("SKW10")}),
        ("skw9", {"SKW901", "SKW999"}),
        ("ALL", set(registry().rules)),
    ],
)
def test_selectors(selector, expected):
    assert registry().resolve(selector) == frozenset(expected)


def test_unknown_selector_suggests():
    with pytest.raises(SelectorError, match=r"did you mean `SKW10`"):
        registry().resolve("SKW10X")
    with pytest.raises(SelectorError, match=r"did you mean `mode-method-not-called`"):
        registry().resolve("mode-method-not-caled")


def test_selection_layers_follow_ruff():
    rules = registry()
    assert "SKW901" not in rules.select([])
    assert "SKW901" in rules.select([{"extend-select": ["SKW901"]}])
    only = rules.select([{"select": ["SKW103"]}])
    assert only == {"SKW103", "SKW999"}  # SKW999 cannot be disabled
    # The command line's select replaces the configuration's; its ignore removes.
    layered = rules.select([{"select": ["SKW1"]}, {"select": ["SKW103", "SKW104"], "ignore": ["SKW104"]}])
    assert layered == {"SKW103", "SKW999"}
    assert "SKW999" in rules.select([{"ignore": ["ALL"]}])


def test_readme_rules_table_matches_registry():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = set(re.findall(r"^\| `(SKW\d{3})` \| `([a-z-]+)` \| (\w+) \| (on|off) \|", readme, re.M))
    expected = {(r.code, r.name, r.severity, "on" if r.default else "off") for r in registry()}
    assert rows == expected
