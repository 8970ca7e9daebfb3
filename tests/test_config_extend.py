"""Configuration `extend`, the run options `fix` / `unsafe-fixes` / `output-format`, and every
configuration problem reported at once: the Resolver in-process (no console script)."""
from pathlib import Path

import pytest

from skewlint.config.discovery import discover
from skewlint.config.settings import ConfigError, Overrides, Resolver


def write(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def settings_of(root: Path, overrides: Overrides = None, target: str = "a.py"):
    return Resolver(overrides or Overrides(), cwd=str(root)).for_path(str(root / target))


def test_extend_merges_the_base_and_the_extending_file_wins(tmp_path):
    write(tmp_path, "shared/base.toml",
          'select = ["SKW1"]\nignore = ["SKW105"]\noutput-format = "json"\nfix = true\nforce-exclude = true\n'
          'extend-exclude = ["generated"]\n')
    write(tmp_path, "proj/pyproject.toml",
          '[tool.skewlint]\nextend = "../shared/base.toml"\nextend-select = ["SKW201"]\noutput-format = "full"\n'
          'extend-exclude = ["legacy"]\n')
    settings = settings_of(tmp_path / "proj")
    # The base's selection, then the file's own on top (ruff's layers).
    assert settings.enabled == {"SKW101", "SKW102", "SKW103", "SKW104", "SKW106", "SKW201", "SKW999"}
    assert settings.output_format == "full" and settings.fix is True and settings.unsafe_fixes is None
    assert settings.force_exclude is True
    assert settings.extend_exclude == ("generated", "legacy")
    assert settings.source == str(tmp_path / "proj" / "pyproject.toml")
    assert settings.extends == (str(tmp_path / "shared" / "base.toml"),)
    assert settings.root == str(tmp_path / "proj")


def test_the_command_line_overrides_an_extended_selection(tmp_path):
    write(tmp_path, "base.toml", 'select = ["SKW1"]\n')
    write(tmp_path, "skewlint.toml", 'extend = "base.toml"\n')
    settings = settings_of(tmp_path, Overrides(ignore=["SKW101"], extend_select=["SKW401"]))
    assert "SKW101" not in settings.enabled and {"SKW102", "SKW401"} <= settings.enabled


def test_extend_chains_are_relative_to_the_file_that_names_them(tmp_path):
    write(tmp_path, "a/b/c.toml", 'ignore = ["SKW103"]\n')
    write(tmp_path, "a/base.toml", 'extend = "b/c.toml"\nextend-select = ["SKW401"]\n')
    write(tmp_path, "proj/skewlint.toml", 'extend = "../a/base.toml"\n')
    settings = settings_of(tmp_path / "proj")
    assert "SKW103" not in settings.enabled and "SKW401" in settings.enabled
    assert settings.extends == (str(tmp_path / "proj" / "../a/base.toml").replace("proj/../", ""),
                                str(tmp_path / "a" / "b" / "c.toml"))


def test_path_patterns_of_an_extended_file_are_relative_to_that_file(tmp_path):
    write(tmp_path, "pyproject.toml", '[tool.skewlint]\nper-file-ignores = { "proj/tests/*" = ["SKW103"] }\n'
                                      'extend-exclude = ["proj/generated/*", "scratch"]\n')
    write(tmp_path, "proj/pyproject.toml", '[tool.skewlint]\nextend = "../pyproject.toml"\n')
    for name in ("tests/t.py", "generated/g.py", "scratch/s.py", "src/m.py"):
        write(tmp_path / "proj", name, "import torch\n")
    resolver = Resolver(Overrides(), cwd=str(tmp_path / "proj"))
    found = sorted(Path(path).relative_to(tmp_path / "proj").as_posix()
                   for path, _ in discover([str(tmp_path / "proj")], resolver))
    assert found == ["src/m.py", "tests/t.py"]
    settings = resolver.for_path(str(tmp_path / "proj" / "tests" / "t.py"))
    assert "SKW103" not in settings.enabled_for(str(tmp_path / "proj" / "tests" / "t.py"))
    assert "SKW103" in settings.enabled_for(str(tmp_path / "proj" / "src" / "m.py"))


def test_an_extend_cycle_is_refused(tmp_path):
    write(tmp_path, "skewlint.toml", 'extend = "one.toml"\n')
    write(tmp_path, "one.toml", 'extend = "two.toml"\n')
    write(tmp_path, "two.toml", 'extend = "one.toml"\n')
    with pytest.raises(ConfigError) as error:
        settings_of(tmp_path)
    (message,) = error.value.messages
    assert message.startswith(f"{tmp_path / 'two.toml'}:1:1: `extend` makes a cycle: ")
    assert message.endswith("skewlint.toml -> " + " -> ".join(str(tmp_path / n) for n in ("one.toml", "two.toml", "one.toml")))


def test_a_file_that_extends_itself_is_a_cycle(tmp_path):
    write(tmp_path, "skewlint.toml", 'extend = "./skewlint.toml"\n')
    with pytest.raises(ConfigError, match="`extend` makes a cycle"):
        settings_of(tmp_path)


@pytest.mark.parametrize("files, expected", [
    ({"skewlint.toml": 'extend = "missing.toml"\n'}, ":1:1: `extend`: {root}/missing.toml: configuration file not found"),
    ({"skewlint.toml": 'extend = "other/pyproject.toml"\n', "other/pyproject.toml": "[tool.ruff]\n"},
     ": `extend`: {root}/other/pyproject.toml has no [tool.skewlint] table"),
    ({"skewlint.toml": "\n  extend = 3\n"}, ":2:3: `extend` must be the path of another configuration file (a string), not int"),
])
def test_bad_extend(tmp_path, files, expected):
    for name, text in files.items():
        write(tmp_path, name, text)
    with pytest.raises(ConfigError) as error:
        settings_of(tmp_path)
    assert error.value.messages == [f"{tmp_path / 'skewlint.toml'}" + expected.format(root=tmp_path)]


@pytest.mark.parametrize("table, expected", [
    ('output-format = "fancy"', "`output-format` must be one of concise, full, github, gitlab, json, json-lines, "
                                "junit, pylint, sarif, not `fancy`"),
    ("fix = 1", "`fix` must be a boolean, not int"),
    ('unsafe-fixes = "yes"', "`unsafe-fixes` must be a boolean, not str"),
])
def test_run_option_keys_are_validated(tmp_path, table, expected):
    write(tmp_path, "skewlint.toml", table + "\n")
    with pytest.raises(ConfigError) as error:
        settings_of(tmp_path)
    assert error.value.messages == [f"{tmp_path / 'skewlint.toml'}:1:1: {expected}"]


def test_every_problem_of_every_file_is_collected(tmp_path):
    write(tmp_path, "base.toml", 'fix = "yes"\nextend-select = ["SKW9ZZ"]\n')
    write(tmp_path, "pyproject.toml", '[tool.ruff]\nselct = 1\n[tool.skewlint]\nextend = "base.toml"\nselct = ["SKW1"]\n'
                                      'ignore = [\n  "SKW10X", "nope"]\n[tool.skewlint.per-file-ignores]\n'
                                      '"a/*" = [\'SKW7\']\n')
    write(tmp_path, "sub/skewlint.toml", 'force-exclude = "no"\n')
    write(tmp_path, "sub/a.py", "import torch\n")
    write(tmp_path, "a.py", "import torch\n")
    resolver = Resolver(Overrides(select=["SKW1QQ"]), cwd=str(tmp_path), collect=True)
    assert len(list(discover([str(tmp_path)], resolver))) == 2  # the walk goes on
    pyproject, base, sub = (str(tmp_path / n) for n in ("pyproject.toml", "base.toml", "sub/skewlint.toml"))
    assert [error.split(" (")[0] for error in resolver.errors] == [
        "unknown rule selector `SKW1QQ`; did you mean `SKW1`?",
        f"{pyproject}:5:1: unknown option `selct`; did you mean `select`?",  # not [tool.ruff]'s
        f"{pyproject}:7:3: unknown rule selector `SKW10X`; did you mean `SKW10`?",
        f"{pyproject}:7:13: unknown rule selector `nope`",
        f"{pyproject}:9:10: unknown rule selector `SKW7`; did you mean `SKW9`?",
        f"{base}:1:1: `fix` must be a boolean, not str",
        f"{base}:2:18: unknown rule selector `SKW9ZZ`; did you mean `SKW9`?",
        f"{sub}:1:1: `force-exclude` must be a boolean, not str",
    ]
    with pytest.raises(ConfigError) as error:
        resolver.raise_errors()
    assert error.value.messages == resolver.errors and str(error.value) == "\n".join(resolver.errors)


def test_without_collect_the_first_file_raises_all_its_problems(tmp_path):
    write(tmp_path, "skewlint.toml", 'selct = []\nfix = 2\n')
    with pytest.raises(ConfigError) as error:
        settings_of(tmp_path)
    assert len(error.value.messages) == 2


def test_a_key_written_otherwise_gets_the_file_alone(tmp_path):
    write(tmp_path, "pyproject.toml", '[tool]\nskewlint.fix = "yes"\n')
    with pytest.raises(ConfigError) as error:
        settings_of(tmp_path)
    assert error.value.messages == [f"{tmp_path / 'pyproject.toml'}: `fix` must be a boolean, not str"]


def test_run_options_default_to_the_configuration_of_the_working_directory(tmp_path, monkeypatch):
    from skewlint.options import RunFlags
    from skewlint.fix.command import APPLY

    write(tmp_path, "skewlint.toml", 'fix = true\nunsafe-fixes = true\noutput-format = "github"\n')
    monkeypatch.chdir(tmp_path)
    resolver = Resolver(Overrides())
    unset = RunFlags(None, None, None, False, False, False, False)
    output_format, fixing = unset.resolve(resolver)
    assert (output_format, fixing.mode, fixing.unsafe) == ("github", APPLY, True)
    output_format, fixing = unset._replace(fix=False, unsafe_fixes=False, output_format="json").resolve(resolver)
    assert (output_format, fixing.mode, fixing.unsafe) == ("json", None, False)
    monkeypatch.chdir(tmp_path.parent)  # elsewhere: that file governs nothing
    output_format, fixing = unset.resolve(Resolver(Overrides()))
    assert (output_format, fixing.mode, fixing.unsafe) == ("concise", None, False)
