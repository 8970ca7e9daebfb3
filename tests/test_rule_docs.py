"""`docs/rules.md`, the page every diagnostic's URL points to: generated from the registry, never
stale, one anchor per rule."""
import json
import re
import subprocess
import sys

import pytest

from helpers import ROOT, lint
from skewlint.report.output import FORMATS
from skewlint.registry import registry, rules_page

PAGE = ROOT / "docs" / "rules.md"
REGENERATE = "skewlint rule --all --output-format markdown > docs/rules.md"


def test_rules_page_is_not_stale():
    assert PAGE.read_text(encoding="utf-8") == rules_page(registry()), f"docs/rules.md is stale: run `{REGENERATE}`"


@pytest.mark.slow
def test_the_command_line_prints_the_page():
    result = subprocess.run([sys.executable, "-m", "skewlint", "rule", "--all", "--output-format", "markdown"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and result.stdout == PAGE.read_text(encoding="utf-8")


def test_each_url_names_the_anchor_of_its_rules_documentation():
    page = PAGE.read_text(encoding="utf-8")
    for rule in registry():
        base, _, anchor = rule.url().partition("#")
        assert base.endswith("/docs/rules.md") and anchor == rule.code.lower()
        # The anchor is there once, and the rule's documentation follows it.
        assert page.count(f'<a id="{anchor}"></a>') == 1
        assert f'<a id="{anchor}"></a>\n\n{rule.documentation()}' in page


def test_diagnostics_and_sarif_link_to_the_page():
    found = lint("import torch\nmodel = torch.hub.load('x', 'y')\nmodel.eval\n")
    assert [d.code for d in found] == ["SKW103"]
    assert found[0].url.endswith("docs/rules.md#skw103")
    run = json.loads(FORMATS["sarif"](found, {}))["runs"][0]
    helps = {rule["id"]: rule["helpUri"] for rule in run["tool"]["driver"]["rules"]}
    assert helps["SKW103"].endswith("docs/rules.md#skw103")
    assert all(re.search(r"docs/rules\.md#skw\d{3}$", uri) for uri in helps.values())
