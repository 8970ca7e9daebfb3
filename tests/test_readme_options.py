"""The README's Command line and Configuration sections name every option of `skewlint check` and
every configuration key (a new one without documentation fails here)."""
from helpers import ROOT
from skewlint.cli import check
from skewlint.config.files import SCHEMA

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _section(title: str) -> str:
    start = README.index(f"\n## {title}\n")
    return README[start:README.index("\n## ", start + 1)]


def test_every_check_option_is_in_the_command_line_section():
    section = _section("Command line")
    names = [name for param in check.params for name in (*param.opts, *param.secondary_opts) if name.startswith("--")]
    assert [name for name in names if f"`{name}" not in section] == []


def test_every_configuration_key_is_in_the_configuration_section():
    section = _section("Configuration")
    assert [key for key in SCHEMA if f"\n{key} = " not in section] == []
