"""Crash hunt over real code: lint every file of some directories, and seeded mutations of each
(deleted lines, swapped statements, truncations, ...), in this process, and print every exception.

    python tests/crash_hunt.py DIR [DIR ...] [--mutants N] [--seed S] [--seconds T]

Exit status 1 if anything raised. Files are read only; nothing is written.
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from mutations import mutate  # noqa: E402
from never_raises import check_bytes  # noqa: E402

EXTENSIONS = (".py", ".pyi", ".ipynb")


def files(roots):
    for root in roots:
        for directory, subdirs, names in os.walk(root):
            subdirs.sort()
            for name in sorted(names):
                if name.endswith(EXTENSIONS):
                    yield os.path.join(directory, name)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("roots", nargs="+")
    parser.add_argument("--mutants", type=int, default=3, help="mutants per file (default 3)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--seconds", type=float, default=0, help="stop after this long (0: no limit)")
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    draw = rng.randint
    deadline = time.monotonic() + args.seconds if args.seconds else None
    linted = crashes = 0
    for path in files(args.roots):
        if deadline and time.monotonic() > deadline:
            break
        try:
            original = Path(path).read_bytes()
        except OSError:
            continue
        variants = [original] + [mutate(original, draw, rng.randint(1, 4)) for _ in range(args.mutants)]
        for index, data in enumerate(variants):
            linted += 1
            try:
                check_bytes(data, path)
            except Exception:  # noqa: BLE001 - the point is to list them all
                crashes += 1
                print(f"CRASH {path} (variant {index}, seed {args.seed})", flush=True)
                traceback.print_exc(file=sys.stdout)
                if index:
                    out = Path("crash_hunt_cases")
                    out.mkdir(exist_ok=True)
                    (out / f"{crashes:03d}_{Path(path).name}").write_bytes(data)
    print(f"linted {linted} variants, {crashes} crashes")
    return 1 if crashes else 0


if __name__ == "__main__":
    sys.exit(main())
