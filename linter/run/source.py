"""Reading a file's bytes and decoding them as Python source does (PEP 263 cookies, BOMs)."""
from __future__ import annotations

import codecs
import io
import tokenize
from dataclasses import dataclass


class SourceError(Exception):
    """The file could not be read or decoded; `row`/`column` locate the problem when known."""

    def __init__(self, message: str, row: int = 1, column: int = 1):
        super().__init__(message)
        self.row = row
        self.column = column


@dataclass(frozen=True)
class Source:
    text: str
    encoding: str
    bom: bool


def read_bytes(path: str) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as error:
        raise SourceError(f"could not read file: {error.strerror or error}") from None


# A string literal with its prefix, as a fragment of a VERBOSE pattern: the nesting guard skips
# strings by it, and the suppressions look for comments outside them.
STRING = r"""[rRbBuUfFtT]{0,2}(?:'''(?:[^'\\]|\\.|'(?!''))*'''
                          |\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
                          |'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")"""


# Byte order marks of encodings Python source cannot be in (the interpreter refuses such files).
WIDE_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def decode(data: bytes) -> Source:
    """Decode like the interpreter: a UTF-8 BOM, else a coding cookie on line 1 or 2, else UTF-8."""
    for bom, name in zip(WIDE_BOMS, ("UTF-32", "UTF-32", "UTF-16", "UTF-16")):
        if data.startswith(bom):
            raise SourceError(f"could not decode file: it is {name} (it starts with a {name} byte order mark); "
                              "Python source must be UTF-8 or an encoding named by a coding cookie")
    bom = data.startswith(codecs.BOM_UTF8)
    # No BOM and no `coding` in the first two lines (where a cookie would be): UTF-8 without asking
    # the tokenizer, which reads them in Python for every file.
    second = data.find(b"\n", data.find(b"\n") + 1)
    plain = not bom and b"coding" not in (data if second < 0 else data[:second])
    encoding = "utf-8" if plain else _declared(data)
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as error:
        if plain:
            _declared(data)  # a byte that is not UTF-8 in the first two lines: the interpreter's message
        row = data[: getattr(error, "start", 0)].count(b"\n") + 1
        raise SourceError(f"could not decode file as {encoding}: {error}", row=row) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\0" in text:
        raise SourceError("source code contains null bytes", row=text[: text.index("\0")].count("\n") + 1)
    return Source(text=text, encoding="utf-8" if encoding == "utf-8-sig" else encoding, bom=bom)


def _declared(data: bytes) -> str:
    """The encoding a BOM or a coding cookie declares (UTF-8 if none), as the tokenizer reads them."""
    try:
        return tokenize.detect_encoding(io.BytesIO(data).readline)[0]
    except SyntaxError as error:
        message = error.msg if hasattr(error, "msg") else str(error)
        if not message.startswith("unknown encoding"):
            raise SourceError(f"could not decode file: {message}") from None
        # A codec that a package registers at run time (`future_fstrings`, `pyxl`) transforms UTF-8
        # source: read the file as the UTF-8 it is written in.
        return "utf-8"
