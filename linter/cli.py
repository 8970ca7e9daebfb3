"""The command line: `skewlint check`, `skewlint rule`, `skewlint version`."""
from __future__ import annotations

import json
import os
import signal
import sys
import traceback
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import click

from skewlint import __version__
from skewlint.config.settings import ConfigError, Overrides, Resolver
from skewlint.config.discovery import MissingPath, discover, discover_all
from skewlint.options import RunFlags
from skewlint.run import cache as cache_module
from skewlint.run import project, runner, stop
from skewlint.run.engine import lint_bytes
from skewlint import atomic_write
from skewlint.fix import command as fix_command
from skewlint.fix.command import FixOptions
from skewlint.report.baseline import NEVER_BASELINED, Baseline
from skewlint.report.baseline import write as write_baseline_file
from skewlint.report.output import FORMATS, HUMAN_FORMATS, NEEDS_EDITS, NEEDS_SOURCES, statistics, summary
from skewlint.registry import SelectorError, registry, rules_page

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
EXIT_INTERRUPTED, EXIT_TERMINATED = 128 + signal.SIGINT, 128 + signal.SIGTERM  # 130, 143


def _error(message: str) -> None:
    click.echo(f"skewlint: error: {message}", err=True)


def _split(values: Tuple[str, ...]) -> List[str]:
    """Options may be repeated and comma-separated: `--select SKW1 --select SKW201,SKW202`."""
    return [item.strip() for value in values for item in value.split(",") if item.strip()]


def _per_file(values: Tuple[str, ...]) -> Dict[str, List[str]]:
    result: Dict[str, List[str]] = {}
    for value in values:
        pattern, sep, codes = value.rpartition(":")
        if not sep or not pattern or not codes.strip():
            raise click.BadParameter(f"expected PATTERN:CODES, got `{value}`", param_hint="--per-file-ignores")
        result.setdefault(pattern, []).extend(_split((codes,)))
    return result


def _display(path: str) -> str:
    """Paths as the user sees them: relative to the working directory when inside it."""
    absolute = os.path.abspath(path)
    relative = os.path.relpath(absolute) if not absolute.startswith("\\\\") else absolute
    return absolute if relative.startswith("..") else relative


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="skewlint")
def main() -> None:
    """skewlint: find train/eval skew in machine-learning code."""


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--select", multiple=True, help="Rules to enable (codes, prefixes, names, ALL); replaces the configured set.")
@click.option("--extend-select", multiple=True, help="Rules to enable in addition to the configured ones.")
@click.option("--ignore", multiple=True, help="Rules to disable.")
@click.option("--per-file-ignores", multiple=True, metavar="PATTERN:CODES", help="Disable rules for files matching a glob.")
@click.option("--exclude", multiple=True, help="Glob patterns to exclude (replaces the defaults).")
@click.option("--extend-exclude", multiple=True, help="Glob patterns to exclude in addition to the defaults.")
@click.option("--force-exclude/--no-force-exclude", default=None, help="Apply excludes to files named on the command line too.")
@click.option("--respect-gitignore/--no-respect-gitignore", default=None, help="Skip files ignored by .gitignore (default: on).")
@click.option("--output-format", type=click.Choice(sorted(FORMATS)), default=None, envvar="SKEWLINT_OUTPUT_FORMAT",
              help="How to print the diagnostics (default: `output-format` of the configuration, else concise).")
@click.option("-o", "--output-file", type=click.Path(dir_okay=False), help="Write the report to this file instead of stdout.")
@click.option("--report", "reports", multiple=True, metavar="FORMAT:PATH",
              help="Also write a report in FORMAT to PATH, beside the console output (repeatable).")
@click.option("--baseline", "baseline_file", type=click.Path(dir_okay=False),
              help="Hide the findings recorded in this baseline file; report only new ones.")
@click.option("--write-baseline", type=click.Path(dir_okay=False),
              help="Record the current findings in this baseline file (they are then not reported).")
@click.option("--config", "config_file", type=click.Path(), help="Use this configuration file for every file.")
@click.option("--stdin-filename", help="The name of the file read from stdin (for configuration and messages).")
@click.option("--statistics", "show_statistics", is_flag=True, help="Print the number of diagnostics per rule instead of the diagnostics.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even if there are diagnostics.")
@click.option("-q", "--quiet", is_flag=True, help="Print diagnostics only, no summary.")
@click.option("-v", "--verbose", is_flag=True, help="Log the files linted, and tracebacks of internal errors, to stderr.")
@click.option("-j", "--jobs", type=click.IntRange(min=0), default=0, envvar="SKEWLINT_JOBS", metavar="N",
              help="Processes to lint with (default 0: one per usable CPU; 1: serial).")
@click.option("--no-cache", is_flag=True, envvar="SKEWLINT_NO_CACHE", help="Neither read nor write the cache.")
@click.option("--cache-dir", type=click.Path(file_okay=False), envvar="SKEWLINT_CACHE_DIR",
              help="Where the cache lives (default: .skewlint_cache in the project root).")
@click.option("--fix/--no-fix", default=None,
              help="Apply the fixes (the safe ones; with --unsafe-fixes all) to the files (default: `fix` of the configuration).")
@click.option("--unsafe-fixes/--no-unsafe-fixes", default=None,
              help="Also apply (and mark `[*]`) the unsafe fixes (default: `unsafe-fixes` of the configuration).")
@click.option("--show-fixes", is_flag=True, help="List the fixes applied, per file and rule.")
@click.option("--fix-only", is_flag=True, help="Apply the fixes and report nothing else (implies --fix).")
@click.option("--diff", is_flag=True, help="Print a unified diff of the fixes instead of writing them (implies --fix-only).")
@click.option("--exit-non-zero-on-fix", is_flag=True, help="Exit 1 when something was fixed, even if nothing remains.")
@click.option("--show-settings", is_flag=True,
              help="Print the settings resolved for the first of PATHS (default: the working directory) and exit.")
@click.option("--show-files", is_flag=True, help="Print the files a run would lint (after excludes) and exit.")
@click.option("-w", "--watch", is_flag=True, help="Lint again whenever a file changes (Ctrl-C ends it).")
def check(paths, select, extend_select, ignore, per_file_ignores, exclude, extend_exclude, force_exclude,
          respect_gitignore, output_format, output_file, config_file, stdin_filename, show_statistics,
          exit_zero, quiet, verbose, reports, baseline_file, write_baseline, jobs, no_cache, cache_dir,
          fix, unsafe_fixes, show_fixes, fix_only, diff, exit_non_zero_on_fix, show_settings, show_files,
          watch) -> None:
    """Lint PATHS (files or directories; default `.`; `-` reads stdin)."""
    stop.install()
    conflict = _conflict(paths, quiet, verbose, no_cache, baseline_file, write_baseline, watch)
    if conflict:
        _error(conflict)
        sys.exit(EXIT_ERROR)
    overrides = Overrides(
        config=config_file,
        select=_split(select) if select else None,
        extend_select=_split(extend_select),
        ignore=_split(ignore),
        per_file_ignores=_per_file(per_file_ignores),
        exclude=_split(exclude) if exclude else None,
        extend_exclude=_split(extend_exclude),
        force_exclude=force_exclude,
        respect_gitignore=respect_gitignore,
    )
    flags = RunFlags(fix, unsafe_fixes, output_format, fix_only, diff, show_fixes, exit_non_zero_on_fix)
    try:
        if show_settings or show_files:
            sys.exit(_show(list(paths), overrides, flags, show_files))

        def run() -> int:
            resolver = Resolver(overrides, collect=True)
            output, fixing = flags.resolve(resolver)
            return _check(list(paths), resolver, output, output_file, stdin_filename,
                          show_statistics, quiet, verbose, reports=_reports(reports),
                          baseline_file=baseline_file, write_baseline=write_baseline,
                          jobs=jobs, cache_dir=None if no_cache else (cache_dir or ""), fixing=fixing)

        if watch:
            _watch(run, list(paths), overrides)
        status = run()
    except ConfigError as error:
        _config_error(error)
        sys.exit(EXIT_ERROR)
    except KeyboardInterrupt:  # Ctrl-C: the shell's convention, 128 + SIGINT
        _error("interrupted")
        stop.exit_now(EXIT_INTERRUPTED)
    except stop.Terminated:
        _error("terminated")
        stop.exit_now(EXIT_TERMINATED)
    except Exception as error:  # an internal error: one line, the traceback with -v
        if stop.SIGNALLED:  # the signal's exception, turned into another one on its way up
            _error("terminated" if stop.SIGNALLED[0] == signal.SIGTERM else "interrupted")
            stop.exit_now(EXIT_TERMINATED if stop.SIGNALLED[0] == signal.SIGTERM else EXIT_INTERRUPTED)
        click.echo(f"skewlint: internal error: {type(error).__name__}: {error}"
                   + ("" if verbose else " (run with -v for the traceback)"), err=True)
        if verbose:
            traceback.print_exc()
        sys.exit(EXIT_ERROR)
    sys.exit(EXIT_CLEAN if exit_zero and status == EXIT_FINDINGS else status)


def _config_error(error: ConfigError) -> None:
    for message in error.messages:
        _error(message)


def _show(paths: List[str], overrides: Overrides, flags: RunFlags, files: bool) -> int:
    """--show-files: the files a run would lint; --show-settings: the settings of the first path.
    Print only: nothing is linted, nothing written."""
    resolver = Resolver(overrides, collect=True)
    if files:
        found, missing = discover_all(paths, resolver)
        resolver.raise_errors()
        click.echo("".join(f"{path}\n" for path in sorted(map(_display, found))), nl=False)
        if missing is not None:
            _error(f"path does not exist: {missing}")
            return EXIT_ERROR
        return EXIT_CLEAN
    from skewlint.config.show import settings_text

    target = paths[0] if paths and paths[0] != "-" else os.getcwd()
    if not os.path.lexists(target):
        _error(f"path does not exist: {target}")
        return EXIT_ERROR
    settings = resolver.for_path(target)
    output_format, fixing = flags.resolve(resolver)
    resolver.raise_errors()
    enabled = settings.enabled if os.path.isdir(target) else settings.enabled_for(target)
    click.echo(settings_text(_display(target), settings, enabled, fixing.mode == fix_command.APPLY,
                             fixing.unsafe, output_format), nl=False)
    return EXIT_CLEAN


def _watch(run, paths: List[str], overrides: Overrides) -> None:
    """--watch: lint, then again on every change, until Ctrl-C (exit 130, as the handler in check)."""
    from skewlint.run import watch

    def once() -> None:
        try:
            run()
        except ConfigError as error:  # the user is editing the configuration: say so, keep watching
            _config_error(error)
        click.echo("skewlint: watching for file changes (Ctrl-C to stop)", err=True)

    def files() -> List[str]:
        resolver = Resolver(overrides, collect=True)
        return discover_all(paths, resolver)[0] + resolver.read

    def announce(changed: List[str]) -> None:
        names = ", ".join(_display(path) for path in changed[:3]) + (", ..." if len(changed) > 3 else "")
        click.echo(f"skewlint: {len(changed)} file{'s' if len(changed) != 1 else ''} changed ({names}); "
                   "checking again", err=True)

    watch.watch(once, files, announce)


def _conflict(paths, quiet, verbose, no_cache, baseline_file, write_baseline, watch=False) -> Optional[str]:
    """Options that contradict each other: refused, rather than one silently winning."""
    explicit = click.get_current_context().get_parameter_source("cache_dir") == click.core.ParameterSource.COMMANDLINE
    if quiet and verbose:
        return "--quiet and --verbose cannot be used together"
    if no_cache and explicit:
        return "--no-cache and --cache-dir cannot be used together"
    if baseline_file and write_baseline:
        return "--baseline and --write-baseline cannot be used together (--write-baseline replaces the baseline)"
    if "-" in paths and len(paths) > 1:
        return "`-` (read stdin) cannot be combined with other paths"
    if watch and ("-" in paths or click.get_current_context().params.get("stdin_filename")):
        return "--watch cannot read stdin (`-`, --stdin-filename)"
    if watch and write_baseline:
        return "--watch and --write-baseline cannot be used together"
    return None


def _reports(values: Tuple[str, ...]) -> List[Tuple[str, str]]:
    """`--report sarif:out.sarif`: the format before the first colon (paths may contain colons)."""
    reports = []
    for value in values:
        name, sep, path = value.partition(":")
        if not sep or not path or name not in FORMATS:
            raise click.BadParameter(f"expected FORMAT:PATH with FORMAT one of {', '.join(sorted(FORMATS))}; "
                                     f"got `{value}`", param_hint="--report")
        reports.append((name, path))
    return reports


def _check(paths, resolver: Resolver, output_format, output_file, stdin_filename, show_statistics, quiet, verbose,
           reports=(), baseline_file=None, write_baseline=None, jobs=1, cache_dir=None,
           fixing: FixOptions = FixOptions()) -> int:
    known = Baseline.load(baseline_file) if baseline_file and not write_baseline else None  # fail early
    results = []
    fix_paths = {}  # display name -> (path, enabled rules): what --fix needs to fix a file
    failed = False
    if paths == ["-"] or (not paths and stdin_filename):
        resolver.for_path(stdin_filename or os.getcwd())
        resolver.raise_errors()
        results.extend(_lint_stdin(resolver, stdin_filename))
        fixed = _fix(results, {}, fixing)
    else:
        files = []
        edits = fixing.mode is not None or bool(({output_format} | {name for name, _ in reports}) & NEEDS_EDITS)
        try:
            for path, settings in discover(paths or ["."], resolver):
                files.append(runner.Job(path, settings.enabled_for(path), _display(path), settings, edits))
        except MissingPath as missing:
            _error(f"path does not exist: {missing}")
            failed = True
        resolver.raise_errors()  # every configuration problem of every file, before anything is linted
        cache = _open_cache(cache_dir, resolver) if cache_dir is not None else None
        log = (lambda path: click.echo(f"skewlint: checking {path}", err=True)) if verbose else None
        outcomes = runner.run(files, jobs or runner.usable_cpus(), cache, log)
        stop.check()  # before anything is written (reports, baseline, fixes)
        for outcome in outcomes:
            if outcome.error is None:
                results.append(outcome.result)
                fix_paths[outcome.result.path] = (outcome.job.path, outcome.job.enabled)
                continue
            failed = True
            click.echo(f"skewlint: internal error while linting {outcome.job.path}: {outcome.error}", err=True)
            if verbose:
                click.echo(outcome.details, err=True, nl=False)
        if verbose and cache is not None:
            click.echo(f"skewlint: cache: {cache.hits} reused, {cache.misses} linted again", err=True)
        fixed = _fix(results, fix_paths, fixing)  # before the project phase: it sees the fixed files
        settings_of = {outcome.result.path: outcome.job.settings for outcome in outcomes if outcome.result}
        project.check(results, lambda path: settings_of[path].declared_normalization(path)
                      if settings_of.get(path) is not None else None)
    _warn_unknown_suppressions(results)
    diagnostics = sorted((d for r in results for d in r.diagnostics), key=lambda d: d.sort_key())
    formats = {output_format} | {name for name, _ in reports}
    sources = _sources(diagnostics) if formats & NEEDS_SOURCES or known is not None or write_baseline else {}
    baselined = stale = 0
    if write_baseline:
        recorded = write_baseline_file(write_baseline, diagnostics, sources)
        click.echo(f"skewlint: recorded {recorded} finding{'s' if recorded != 1 else ''} in {write_baseline}",
                   err=True)
        diagnostics = [d for d in diagnostics if d.code in NEVER_BASELINED]
    elif known is not None:
        outcome = known.apply(diagnostics, sources, [result.path for result in results])
        diagnostics, baselined, stale = outcome.kept, outcome.baselined, outcome.stale
    for name, path in reports:
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)  # `reports/x.sarif` in CI
        atomic_write.write_text(path, FORMATS[name](diagnostics, sources))
    show_fixes = fix_command.fixed_summary(fixed.fixed) if fixing.show_fixes and output_format in HUMAN_FORMATS else ""
    if fixing.only:  # --fix-only, --diff: what was (or would be) fixed, not what remains
        text = "" if quiet or output_format not in HUMAN_FORMATS else show_fixes + fix_command.only_summary(fixing, fixed.total)
    elif show_statistics:
        text = statistics(diagnostics, output_format, lambda d: fix_command.would_fix(d, fixing))
    else:
        text = FORMATS[output_format](fix_command.for_display(diagnostics, fixing, output_format), sources)
        if output_format in HUMAN_FORMATS and not quiet:
            files = len({d.filename for d in diagnostics})
            text += show_fixes + (fix_command.found_summary(len(diagnostics), files, fixed.total)
                                  or summary(len(diagnostics), files, baselined, stale, failed))
            text += fix_command.hint(diagnostics, fixing) if diagnostics else ""
    if fixed.diffs:
        click.echo("".join(fixed.diffs), nl=False)
    if fixing.mode == fix_command.APPLY and _STDIN_READ:
        sys.stdout.flush()
        sys.stdout.buffer.write(fixed.stdin_output if fixed.stdin_output is not None else _STDIN_READ[0])
        sys.stdout.buffer.flush()
    if fixing.mode is not None and not output_file and (fixing.mode == fix_command.DIFF or _STDIN_READ):
        click.echo(text, nl=False, err=True)  # stdout holds the fixed source or the diff
    elif output_file:
        atomic_write.write_text(output_file, text)
    else:
        click.echo(text, nl=False)
    if failed:
        return EXIT_ERROR
    if fixing.mode is not None:
        return fix_command.exit_status(fixing, len(diagnostics), fixed.total)
    return EXIT_FINDINGS if diagnostics else EXIT_CLEAN


def _fix(results, paths, fixing: FixOptions) -> fix_command.FixRun:
    """--fix, --diff: fix the results' files (or stdin); their diagnostics become what remains."""
    if fixing.mode is None:
        return fix_command.FixRun()
    stdin = {name: (_STDIN[name], enabled) for name, enabled in _STDIN_ENABLED.items()}
    return fix_command.run(results, paths, stdin, fixing,
                           lambda message: click.echo(f"skewlint: warning: {message}", err=True))


def _open_cache(cache_dir: str, resolver: Resolver) -> cache_module.Cache:
    """`--cache-dir`, else `.skewlint_cache` in the project root: the directory of the configuration
    that governs the working directory (as ruff places its cache), else the working directory."""
    if not cache_dir:
        source = resolver.for_path(os.getcwd()).source
        cache_dir = os.path.join(os.path.dirname(source) if source else os.getcwd(), cache_module.DEFAULT_DIR)
    return cache_module.Cache(cache_dir, warn=lambda message: click.echo(f"skewlint: warning: {message}", err=True))


_STDIN: Dict[str, bytes] = {}
_STDIN_ENABLED: Dict[str, frozenset] = {}  # the rules each stdin text was linted with (for --fix)
_STDIN_READ: List[bytes] = []


def _warn_unknown_suppressions(results) -> None:
    """One warning per suppression item that names no rule, when SKW901 (which reports them) is off
    for the file: a typo in `# noqa: SKW1O1` suppresses nothing. The exit code does not change."""
    for result in sorted(results, key=lambda r: r.path):
        for row, cell, item, form in result.unknown_suppressions:
            where = f"{result.path}:{f'cell {cell}:' if cell is not None else ''}{row}"
            click.echo(f"skewlint: warning: {where}: unknown rule '{item}' in {form}", err=True)


def _lint_stdin(resolver: Resolver, stdin_filename: Optional[str]):
    data = sys.stdin.buffer.read()
    _STDIN_READ.append(data)  # --fix prints it back even when the name is excluded
    name = stdin_filename or "-"
    settings = resolver.for_path(stdin_filename or os.getcwd())
    if stdin_filename and settings.force_exclude and settings.is_excluded(stdin_filename, ancestors=True):
        return []
    enabled = settings.enabled_for(stdin_filename) if stdin_filename else settings.enabled
    display = _display(name) if stdin_filename else name
    _STDIN[display] = data  # formats and baselines quote these lines, not the file on disk
    _STDIN_ENABLED[display] = enabled
    return [lint_bytes(data, display, enabled, stdin_filename)]


def _sources(diagnostics) -> Dict[Tuple[str, Optional[int]], List[str]]:
    from skewlint.report import source_lines

    return source_lines.load(diagnostics, _STDIN)


@main.command()
@click.argument("rule", required=False)
@click.option("--all", "show_all", is_flag=True, help="Show every rule.")
@click.option("--list", "show_list", is_flag=True,
              help="One line per rule: code, name, severity, default (on/off), fixable.")
@click.option("--output-format", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True,
              help="markdown: the rules page, with an index and an anchor per rule (docs/rules.md is --all).")
def rule(rule, show_all, show_list, output_format) -> None:
    """Show the documentation of RULE (a code or a name), or of every rule with --all; --list: one
    line per rule (of RULE when given: a code, prefix or name)."""
    rules = registry()
    if show_all or (show_list and not rule):
        selected = list(rules)
    elif rule:
        found = rules.get(rule)
        if found is None:
            try:
                rules.resolve(rule)  # a prefix names several rules: list them
                selected = [rules.rules[c] for c in sorted(rules.resolve(rule))]
            except SelectorError as error:
                _error(str(error))
                sys.exit(EXIT_ERROR)
        else:
            selected = [found]
    else:
        _error("name a rule (`skewlint rule SKW101`) or pass --all or --list")
        sys.exit(EXIT_ERROR)
    if show_list:
        _list_rules(selected, output_format)
        return
    if output_format == "json":
        data = [r.as_dict() for r in selected]
        click.echo(json.dumps(data if show_all or len(data) > 1 else data[0], indent=2, sort_keys=True))
    elif output_format == "markdown":
        click.echo(rules_page(selected), nl=False)
    else:
        click.echo("\n".join(r.documentation() for r in selected), nl=False)


def _list_rules(rules, output_format: str) -> None:
    rows = [{"code": r.code, "name": r.name, "severity": r.severity, "default": r.default, "fixable": r.fixable()}
            for r in rules]
    if output_format == "json":
        click.echo(json.dumps(rows, indent=2, sort_keys=True))
        return
    if output_format != "text":
        _error("--list prints text or json")
        sys.exit(EXIT_ERROR)
    table = [("code", "name", "severity", "default", "fixable")]
    table += [(r["code"], r["name"], r["severity"], "on" if r["default"] else "off", "yes" if r["fixable"] else "no")
              for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    click.echo("".join("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() + "\n"
                       for row in table), nl=False)


@main.command()
@click.option("--cache-dir", type=click.Path(file_okay=False), envvar="SKEWLINT_CACHE_DIR",
              help="The cache to remove (default: .skewlint_cache in the project root).")
def clean(cache_dir) -> None:
    """Remove the cache."""
    try:
        directory = cache_dir or _open_cache("", Resolver(Overrides())).directory
        removed = cache_module.clean(directory)
    except ConfigError as error:
        _config_error(error)
        sys.exit(EXIT_ERROR)
    except (ValueError, OSError) as error:
        _error(str(error))
        sys.exit(EXIT_ERROR)
    click.echo(f"skewlint: {'removed' if removed else 'no cache at'} {_display(directory)}", err=True)


@main.command("inspect")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--candidates", is_flag=True,
              help="Also list every finding each rule considered: reported, or held back and why "
                   "(with a tally of the reasons when several files are inspected).")
def inspect_command(paths, candidates) -> None:
    """Show what the semantic model concluded about each Python file of PATHS: models, contexts, the
    mode at each forward."""
    from collections import Counter

    from skewlint.inspect import describe, tally_text
    from skewlint.run.source import SourceError

    files = [str(p) for path in paths for p in ([Path(path)] if Path(path).is_file() else
                                                 sorted(Path(path).rglob("*.py")))]
    tally = Counter() if candidates else None
    failed = False
    for path in files:
        try:
            click.echo(describe(path, tally), nl=False)
        except SourceError as error:
            _error(f"{path}: {error}")
            failed = True
        except Exception as error:  # libcst's ParserSyntaxError and the like
            _error(f"{path}: could not analyse: {str(error).splitlines()[0] if str(error) else type(error).__name__}")
            failed = True
    if tally is not None and len(files) > 1:
        click.echo(tally_text(tally), nl=False)
    if failed:
        sys.exit(EXIT_ERROR)


@main.command()
def version() -> None:
    """Print skewlint's version."""
    click.echo(f"skewlint {__version__}")


@main.command()
def server() -> None:
    """Run the Language Server over stdio (needs the `lsp` extra: pip install 'skewlint[lsp]')."""
    from skewlint.lsp.server import serve

    problem = serve()
    if problem:
        _error(problem)
        sys.exit(EXIT_ERROR)
