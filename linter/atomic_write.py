"""Write a whole file or nothing: a temporary file beside the target, then a rename. An interrupted
run (Ctrl-C, SIGTERM, a full disk) leaves the old file, or no file, never half of one."""
from __future__ import annotations

import os


def write_text(path: str, text: str) -> None:
    import tempfile  # only when a file is written: most runs write none

    directory = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(path)}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, path)
    except BaseException:  # KeyboardInterrupt and SystemExit too: they are what interrupts a run
        discard(temporary)
        raise


def discard(temporary: str) -> None:
    """Remove a temporary file that may not exist (any more)."""
    try:
        os.unlink(temporary)
    except OSError:
        pass
