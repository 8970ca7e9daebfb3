"""CI formats and `--report` through the installed console script."""
import json
import xml.etree.ElementTree as ET

import pytest

from test_cli import BUGGY, CLEAN, run, write

pytestmark = pytest.mark.slow  # every test runs the console script


def test_reports_beside_console_output(tmp_path):
    write(tmp_path, "bad.py", BUGGY)
    result = run("check", "--report", "sarif:out/scan.sarif", "--report", "junit:junit.xml",
                 "--report", "gitlab:gl-code-quality.json", "bad.py", cwd=tmp_path)
    assert result.returncode == 1
    # The console still gets the concise report and its summary.
    assert result.stdout.startswith("bad.py:3:1: SKW103") and "Found 1 diagnostic" in result.stdout
    sarif = json.loads((tmp_path / "out" / "scan.sarif").read_text())
    assert [r["ruleId"] for r in sarif["runs"][0]["results"]] == ["SKW103"]
    assert ET.parse(tmp_path / "junit.xml").getroot().get("failures") == "1"
    gitlab = json.loads((tmp_path / "gl-code-quality.json").read_text())
    assert gitlab[0]["location"] == {"path": "bad.py", "lines": {"begin": 3, "end": 3}}


def test_output_file_and_report_together(tmp_path):
    write(tmp_path, "bad.py", BUGGY)
    result = run("check", "--output-format", "github", "-o", "annotations.txt",
                 "--report", "pylint:pylint.txt", "bad.py", cwd=tmp_path)
    assert result.returncode == 1 and result.stdout == ""
    assert (tmp_path / "annotations.txt").read_text().startswith("::error file=bad.py,line=3,col=1,")
    assert (tmp_path / "pylint.txt").read_text().startswith("bad.py:3: [SKW103(mode-method-not-called), ]")


def test_clean_run_writes_empty_reports(tmp_path):
    write(tmp_path, "ok.py", CLEAN)
    result = run("check", "--report", "gitlab:gl.json", "--report", "sarif:s.sarif", "ok.py", cwd=tmp_path)
    assert result.returncode == 0
    assert json.loads((tmp_path / "gl.json").read_text()) == []
    assert json.loads((tmp_path / "s.sarif").read_text())["runs"][0]["results"] == []


def test_bad_report_spec_is_a_usage_error(tmp_path):
    write(tmp_path, "bad.py", BUGGY)
    for spec in ("sarif", "yaml:out.yaml", "sarif:"):
        result = run("check", "--report", spec, "bad.py", cwd=tmp_path)
        assert result.returncode == 2, spec
        assert "FORMAT:PATH" in result.stderr


def test_every_format_on_the_command_line(tmp_path):
    write(tmp_path, "bad.py", BUGGY)
    for name in ("github", "gitlab", "sarif", "junit", "pylint"):
        result = run("check", "--output-format", name, "bad.py", cwd=tmp_path)
        assert result.returncode == 1 and "SKW103" in result.stdout, name
        assert "Found" not in result.stdout  # no summary line in machine formats


def test_stdin_formats_quote_stdin_not_the_file_on_disk(tmp_path):
    # An editor's unsaved buffer: the file on disk differs from what was linted.
    write(tmp_path, "train.py", "# saved version\n")
    result = run("check", "--output-format", "full", "--stdin-filename", "train.py", "-", cwd=tmp_path, stdin=BUGGY)
    assert result.returncode == 1 and "3 | model.eval" in result.stdout
    base = run("check", "--write-baseline", "base.json", "--stdin-filename", "train.py", "-", cwd=tmp_path, stdin=BUGGY)
    assert base.returncode == 0
    assert json.loads((tmp_path / "base.json").read_text())["findings"][0]["line"] == "model.eval"
