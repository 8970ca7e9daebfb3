#!/usr/bin/env python3
"""Benchmark skewlint against its floor (libcst parsing alone) and its peers, in one run.

    python benchmarks/bench.py CORPUS_DIR            # a directory of real code
    python benchmarks/bench.py --synthetic            # offline: a corpus built from fixtures/
    python benchmarks/bench.py --synthetic --mixed    # ... plus 9 framework-free files per ML file
    python benchmarks/bench.py --with-findings        # the fixtures alone: a finding-dense corpus

Run it with the Python that has skewlint installed. Every measurement is a fresh process; CPU
seconds include its worker processes (wait4), peak memory is the largest single process. Ratios
are taken within one run so that machine noise mostly cancels; run it on an idle machine.
This is a measuring tool, not a test: nothing here asserts a speed.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Measure:
    name: str
    wall: float
    cpu: float
    rss_mb: float
    files: int
    lines: int
    note: str = ""

    def row(self) -> str:
        rate = lambda n: f"{n / self.wall:,.0f}" if self.wall > 0 else "-"
        return (f"| {self.name} | {self.wall:.2f} | {self.cpu:.2f} | {rate(self.files)} | {rate(self.lines)} | "
                f"{self.rss_mb:.0f} | {self.note} |")


def timed(name: str, argv: List[str], files: int, lines: int, note: str = "", cwd=None, env=None) -> Measure:
    """Run a command to completion; wall from the clock, CPU and peak RSS from wait4 (which
    includes the descendants it waited for: pool workers)."""
    start = time.perf_counter()
    process = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               env={**os.environ, **(env or {})})
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    stderr = process.stderr.read().decode(errors="replace") if process.stderr else ""
    if process.returncode not in (0, 1):
        raise SystemExit(f"{name}: exit {process.returncode}: {' '.join(argv)}\n{stderr[-2000:]}")
    return Measure(name, wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, files, lines, note)


def corpus_files(corpus: Path):
    """The files skewlint lints there (its own discovery, default settings) and those its prefilter
    sends to the parser."""
    from skewlint.config.settings import Overrides, Resolver
    from skewlint.config.discovery import discover
    from skewlint.run.engine import _needs_parse

    files, parsed = [], []
    for path, settings in discover([str(corpus)], Resolver(Overrides(), cwd=str(corpus))):
        if not path.endswith(".py"):
            continue
        data = Path(path).read_bytes()
        files.append((path, data.count(b"\n") + 1, len(data)))
        if _needs_parse(data, settings.enabled_for(path)):
            parsed.append(files[-1])
    return files, parsed


PARSE_ONLY = """
import sys, libcst
from skewlint.run.source import decode
for path in open(sys.argv[1], encoding="utf-8").read().splitlines():
    try:
        libcst.parse_module(decode(open(path, "rb").read()).text)
    except Exception:
        pass
"""


def compile_as_installed() -> None:
    """pip compiles a package's modules to bytecode when it installs it; an editable install under
    PYTHONDONTWRITEBYTECODE has none, and every timed process would compile skewlint's modules
    again (60 ms of each start-up). They are compiled once here, as an installed skewlint has them."""
    import compileall

    import skewlint
    import skewlint.rules

    for package in (skewlint, skewlint.rules):
        for folder in package.__path__:
            compileall.compile_dir(folder, quiet=1)


def median(pairs):
    """The (floor, cold run) pair whose ratio is the median one."""
    ordered = sorted(pairs, key=lambda pair: pair[1].cpu / pair[0].cpu)
    return ordered[len(ordered) // 2]


def parse_floor(name: str, files, workdir: Path) -> Measure:
    listing = workdir / f"{name.split()[0]}-{len(files)}.txt"
    listing.write_text("\n".join(p for p, _, _ in files), encoding="utf-8")
    return timed(name, [sys.executable, "-c", PARSE_ONLY, str(listing)], len(files), sum(n for _, n, _ in files))


# The engine's stages, timed where the engine calls them: (module, function, stage). Time is
# exclusive: a stage called inside another (the parse of an imported file's summary inside the
# analysis) counts for itself only.
STAGES = (
    ("skewlint.run.nesting", "too_deep", "guard"),
    ("skewlint.run.engine", "_parse", "parse"),
    ("skewlint.semantic.model", "build_local", "model"),
    ("skewlint.semantic.model", "attach", "project facts"),
    ("skewlint.semantic.exports", "exports", "summaries for importers"),
    ("skewlint.run.engine", "_run_rules", "analysis and rules"),
    ("skewlint.run.project", "summarize", "project phase summary"),
    ("skewlint.run.positions", "of", "positions"),
    ("skewlint.run.engine", "_fix", "fix edits"),
    ("skewlint.run.engine", "_locate", "suppressions and diagnostics"),
    ("skewlint.run.runner", "lint_one", "read, decode, hash, rest"),
)


def stages(parsed, edits: bool = False) -> dict:
    """In this process, one job, no cache: the CPU time of each stage of the engine (`STAGES`) over
    the files past the prefilter, as the CLI's default output (no fix edits) or, with `edits`, as
    `--output-format json` needs it; and what a full PositionProvider pass on every file would cost."""
    import importlib

    from skewlint.run import runner
    from skewlint.run.positions import every
    from skewlint.registry import registry

    enabled = registry().select([{}])
    clock = time.process_time
    totals = dict.fromkeys([name for _, _, name in STAGES], 0.0)
    inner = []  # per open stage: the time of the stages called inside it
    originals = []

    per_file = []
    lines = {path: n for path, n, _ in parsed}

    def timed_stage(function, name):
        import inspect

        consume = list if inspect.isgeneratorfunction(function) else (lambda result: result)  # `_run_rules`

        def stage(*args, **kwargs):
            inner.append(0.0)
            start = clock()
            try:
                return consume(function(*args, **kwargs))
            finally:
                spent = clock() - start
                totals[name] += spent - inner.pop()
                if inner:
                    inner[-1] += spent
                else:  # the outermost stage: one file's whole job
                    per_file.append((lines.get(args[0].path, 0), spent))
        return stage

    for module_name, attribute, name in STAGES:
        module = importlib.import_module(module_name)
        originals.append((module, attribute, getattr(module, attribute)))
        setattr(module, attribute, timed_stage(getattr(module, attribute), name))
    try:
        jobs = [runner.Job(path, enabled, path, edits=edits) for path, _, _ in parsed]
        start = clock()
        runner.run(jobs, 1)
        total = clock() - start
    finally:
        for module, attribute, function in originals:
            setattr(module, attribute, function)
    everywhere = 0.0
    for path, _, _ in parsed:
        try:
            module = originals[1][2](Path(path).read_text(encoding="utf-8"))
        except Exception:  # noqa: BLE001 - undecodable or unparsable: not part of this breakdown
            continue
        start = clock()
        every(module)
        everywhere += clock() - start
    return {"totals": totals, "total": total, "positions_everywhere": everywhere, "per_file": per_file}


def interleaved(parsed, rounds: int) -> List[float]:
    """In this process, per file, libcst's stock parse of the file (its own node constructors) and
    then skewlint's whole job on it, alternating, each summed apart: a ratio per round. Start-up
    is on neither side; the machine's drift, which spreads the pairs of whole runs by a quarter on
    a shared VM, cancels at this grain."""
    import libcst

    from skewlint.registry import registry
    from skewlint.run import parser, runner
    from skewlint.run.source import decode

    enabled = registry().select([{}])
    jobs = [runner.Job(path, enabled, path, edits=False) for path, _, _ in parsed]
    runner.run(jobs, 1)  # the engine's lazy imports and first parse, before timing
    texts = [decode(Path(path).read_bytes()).text for path, _, _ in parsed]
    clock = time.process_time
    ratios = []
    for _ in range(rounds):
        ours = floor = 0.0
        for job, text in zip(jobs, texts):
            with parser.stock():
                start = clock()
                try:
                    libcst.parse_module(text)
                except Exception:  # noqa: BLE001 - a file that does not parse costs what it costs
                    pass
                floor += clock() - start
            start = clock()
            runner.run([job], 1)
            ours += clock() - start
        ratios.append(ours / floor)
    return ratios


def print_stages(breakdown: dict, title: str) -> None:
    totals, parse = breakdown["totals"], max(breakdown["totals"]["parse"], 1e-9)
    print(f"\nwhere the time goes, {title} (in-process CPU s over the files past the prefilter, one job):")
    print("| stage | CPU s | x parse | share |\n|---|---:|---:|---:|")
    for stage, seconds in totals.items():
        print(f"| {stage} | {seconds:.2f} | {seconds / parse:.2f} | {100 * seconds / breakdown['total']:.0f}% |")
    print(f"| all (runner in-process) | {breakdown['total']:.2f} | {breakdown['total'] / parse:.2f} | 100% |")
    print(f"(a full PositionProvider pass on every file would cost {breakdown['positions_everywhere']:.2f} s, "
          f"{breakdown['positions_everywhere'] / parse:.2f} x the parse; skewlint locates only the nodes it reports)")


def size_buckets(per_file) -> List[str]:
    """Linearity in file size: CPU per 1000 lines within each quartile of file length."""
    ordered = sorted(per_file)
    out = []
    for q in range(4):
        part = ordered[q * len(ordered) // 4:(q + 1) * len(ordered) // 4]
        if part:
            lines = sum(n for n, _ in part)
            seconds = sum(t for _, t in part)
            out.append(f"| {part[0][0]}-{part[-1][0]} | {len(part)} | {lines} | {1e6 * seconds / max(lines, 1):.0f} |")
    return out


def synthetic(out: Path, ml_files: int, mixed: bool) -> Path:
    """Copies of the fixtures (each a realistic ML script) up to `ml_files`; with `mixed`, nine
    framework-free modules of the standard library per ML file, as in a repository where 90% of
    the files import no ML framework."""
    from skewlint.run.engine import _needs_parse
    from skewlint.registry import registry

    sources = sorted(p for p in (ROOT / "fixtures").rglob("*.py"))
    if not sources:
        raise SystemExit("no fixtures found next to this script")
    ml = out / "ml"
    ml.mkdir(parents=True)
    for i in range(ml_files):
        source = sources[i % len(sources)]
        (ml / f"{i:05d}_{source.name}").write_bytes(source.read_bytes())
    if mixed:
        enabled = registry().select([{}])
        stdlib = Path(sysconfig.get_paths()["stdlib"])
        plain = [p for p in sorted(stdlib.glob("*.py")) if not _needs_parse(p.read_bytes(), enabled)]
        target = out / "plain"
        target.mkdir()
        for i in range(9 * ml_files):
            source = plain[i % len(plain)]
            (target / f"{i:05d}_{source.name}").write_bytes(source.read_bytes())
    return out


def peers(corpus: Path, files: int, lines: int) -> List[Measure]:
    """Whichever peers are installed next to this Python or on PATH, with their default checks
    (ruff with every rule, as the issue's reference figure), each on the same directory."""
    found = []
    here = str(Path(sys.executable).parent)
    commands = {
        "ruff (ALL rules)": ["ruff", "check", "--select", "ALL", "--no-cache", "--exit-zero", "-q", "."],
        "flake8 (defaults)": ["flake8", "--exit-zero", "."],
        "fixit (defaults)": ["fixit", "lint", "."],
        "torchfix": ["torchfix", "."],
    }
    for name, argv in commands.items():
        exe = shutil.which(argv[0], path=here) or shutil.which(argv[0])
        if exe:
            found.append(timed(name, [exe, *argv[1:]], files, lines, cwd=corpus))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", nargs="?", help="a directory of Python files")
    parser.add_argument("--synthetic", action="store_true", help="build a corpus from fixtures/ (offline)")
    parser.add_argument("--mixed", action="store_true", help="with --synthetic: 90%% framework-free files")
    parser.add_argument("--ml-files", type=int, default=400, help="with --synthetic: ML files (default 400)")
    parser.add_argument("--jobs", type=int, default=0, help="jobs for the parallel run (default: usable CPUs)")
    parser.add_argument("--no-peers", action="store_true")
    parser.add_argument("--with-findings", action="store_true",
                        help="a finding-dense corpus: the fixtures copied --ml-files times (issue 19's 1.6 x bar)")
    parser.add_argument("--quick", action="store_true", help="skip the growth measurements")
    parser.add_argument("--no-stages", action="store_true", help="skip the in-process stage breakdown")
    parser.add_argument("--interleaved", type=int, default=0, metavar="ROUNDS",
                        help="also time skewlint's job against libcst's parse file by file in one process")
    parser.add_argument("--repeat", type=int, default=3,
                        help="pairs of parse floor and cold 1-job runs, alternating (default 3)")
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    args = parser.parse_args()
    args.synthetic = args.synthetic or args.with_findings
    if bool(args.corpus) == args.synthetic or (args.with_findings and args.mixed):
        parser.error("give CORPUS_DIR, --synthetic [--mixed] or --with-findings")

    from skewlint import __version__
    from skewlint.run.runner import usable_cpus

    script = shutil.which("skewlint", path=str(Path(sys.executable).parent)) or shutil.which("skewlint")
    if not script:
        raise SystemExit("the skewlint console script is not installed for this Python")
    jobs = args.jobs or usable_cpus()
    compile_as_installed()
    work = Path(tempfile.mkdtemp(prefix="skewlint-bench-"))
    try:
        if args.synthetic:
            corpus = synthetic(work / "corpus", args.ml_files, args.mixed)
        else:  # a copy: the cache and the "one file changed" edit must not touch the user's files
            corpus = Path(shutil.copytree(Path(args.corpus).resolve(), work / "corpus",
                                          ignore=shutil.ignore_patterns(".git", ".skewlint_cache")))
        files, parsed = corpus_files(corpus)
        lines = sum(n for _, n, _ in files)
        size = sum(b for _, _, b in files)
        print(f"corpus: {corpus}\nfiles: {len(files)} ({len(parsed)} pass the prefilter), lines: {lines:,}, "
              f"{size / 1e6:.1f} MB; skewlint {__version__}, Python {sys.version.split()[0]}, "
              f"{usable_cpus()} usable CPUs, load average {os.getloadavg()[0]:.2f}\n")

        check = [script, "check", ".", "--exit-zero", "-q"]
        # The floor and the cold run alternate, so that a change in the machine's speed (a shared VM
        # drifts by 10-20% within minutes) hits both alike; each pair gives one ratio.
        pairs = []
        for _ in range(args.repeat):
            pairs.append((parse_floor("libcst parse alone, files past the prefilter", parsed, work),
                          timed("skewlint cold, 1 job (--no-cache)", check + ["--no-cache", "--jobs", "1"],
                                len(files), lines, cwd=corpus)))
        pair_ratios = sorted(cold.cpu / floor.cpu for floor, cold in pairs)
        floor_parsed, cold_1 = median(pairs)
        results: List[Measure] = [parse_floor("libcst parse alone, every file", files, work), floor_parsed, cold_1]
        cache = str(work / "cache")
        cold_n = timed(f"skewlint cold, {jobs} jobs (writes the cache)", check + ["--cache-dir", cache, "--jobs", str(jobs)],
                       len(files), lines, cwd=corpus)
        warm = timed(f"skewlint warm, nothing changed", check + ["--cache-dir", cache, "--jobs", str(jobs)],
                     len(files), lines, cwd=corpus)
        results += [cold_n, warm]
        if parsed:  # one file edited (in the copy): only it is linted again
            victim = Path(parsed[len(parsed) // 2][0])
            original = victim.read_bytes()
            victim.write_bytes(original + b"\n# edited\n")
            results.append(timed("skewlint warm, one file changed", check + ["--cache-dir", cache, "--jobs", str(jobs)],
                                 len(files), lines, cwd=corpus, note=victim.name))
            victim.write_bytes(original)
        if not args.no_peers:
            results += peers(corpus, len(files), lines)
        one = min(parsed or files, key=lambda f: abs(f[1] - 500))
        results.append(timed(f"skewlint, one {one[1]}-line file (CLI, start-up included)",
                             [script, "check", one[0], "--exit-zero", "-q", "--no-cache"], 1, one[1]))

        print("| run | wall s | CPU s | files/s | lines/s | peak MB | note |")
        print("|---|---:|---:|---:|---:|---:|---|")
        for measure in results:
            print(measure.row())

        floor_all = results[0]
        print(f"\nratios (the targets of issue 10 in brackets; the parse floor and the cold 1-job run are the "
              f"medians of {args.repeat} alternating runs):")
        print(f"- cold 1 job CPU / parse of the files past the prefilter: {pair_ratios[len(pair_ratios) // 2]:.2f}  "
              f"[<= {1.6 if args.with_findings else 1.3}]  (each pair: {', '.join(f'{r:.2f}' for r in pair_ratios)})")
        print(f"- cold 1 job wall / parse of every file: {cold_1.wall / floor_all.wall:.2f}  "
              f"[<= 0.2 when 90% of files import no framework]")
        print(f"- cold {jobs} jobs wall / cold 1 job wall: {cold_n.wall / cold_1.wall:.2f}  [<= 0.6 on 2 cores]  "
              f"(the {jobs}-job run also writes the cache)")
        print(f"- warm wall / cold {jobs}-job wall: {warm.wall / cold_n.wall:.3f}  [<= 0.05]")
        print(f"- peak memory of one process, cold 1 job: {cold_1.rss_mb:.0f} MB  [< 300 MB]")

        growth = []
        if not args.quick and len(files) >= 8:
            print("\ngrowth with the number of files (skewlint --no-cache --jobs 1, random subsets):")
            print("| files | lines | CPU s | CPU ms per 1000 lines |\n|---:|---:|---:|---:|")
            shuffled = files[:]
            random.Random(0).shuffle(shuffled)
            for fraction in (0.25, 0.5, 1.0):
                subset = shuffled[: max(1, int(len(shuffled) * fraction))]
                sub_lines = sum(n for _, n, _ in subset)
                if fraction == 1.0:
                    measure = cold_1
                else:
                    measure = timed("subset", [script, "check", *[p for p, _, _ in subset], "--exit-zero", "-q",
                                               "--no-cache", "--jobs", "1"], len(subset), sub_lines)
                growth.append((len(subset), sub_lines, measure.cpu))
                print(f"| {len(subset)} | {sub_lines} | {measure.cpu:.2f} | {1e6 * measure.cpu / sub_lines:.0f} |")
        breakdowns = {}
        if not args.no_stages and parsed:
            breakdowns["default output"] = stages(parsed)
            print_stages(breakdowns["default output"], "as the default output needs them")
            breakdowns["json output"] = stages(parsed, edits=True)
            print_stages(breakdowns["json output"], "with fix edits, as --output-format json needs them")
            print("\ngrowth with file size (in-process CPU per 1000 lines, by quartile of file length):")
            print("| lines per file | files | lines | CPU ms per 1000 lines |\n|---|---:|---:|---:|")
            for row in size_buckets(breakdowns["default output"]["per_file"]):
                print(row)
        per_file_ratios = interleaved(parsed, args.interleaved) if args.interleaved and parsed else []
        if per_file_ratios:
            print(f"\nfile by file in one process, skewlint's job / libcst's stock parse (no start-up): "
                  f"{sorted(per_file_ratios)[len(per_file_ratios) // 2]:.3f}  (each round: "
                  f"{', '.join(f'{r:.3f}' for r in per_file_ratios)})")
        if args.json:
            Path(args.json).write_text(json.dumps({
                "files": len(files), "parsed": len(parsed), "lines": lines, "bytes": size,
                "runs": [m.__dict__ for m in results], "growth": growth, "cold_ratios": pair_ratios,
                "per_file_ratios": per_file_ratios,
                "stages": {k: {"totals": v["totals"], "total": v["total"]} for k, v in breakdowns.items()},
            }, indent=2), encoding="utf-8")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
