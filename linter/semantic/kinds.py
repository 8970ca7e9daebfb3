"""The values that travel from the semantic model to the rules: a model's mode (`Mode`), the grad
state at a point (`Grad`), what a `with` or a decorator does to it (`Grad` or `GradChoice.EITHER`),
and the kind of code a context is (`ContextKind`).

Only `Mode` is a `str`: modes are written into the project index's summaries (`exports.py`: the
`exit` modes of a function, the `mode` of a model it returns), which are JSON and cached, and read
back as plain strings that must compare equal to the members. The others never leave a run's
memory, so they are plain enums: a stray string compared with them is never equal (and mypy's
strict equality reports it), and `Mode.ENTRY` ("the caller's mode") is not `Grad.FROM_CALLER`
("the caller's grad state"), which both used to be the string "entry".
"""
from __future__ import annotations

from enum import Enum
from typing import Union


class Mode(str, Enum):
    """One possible mode of a model at a program point."""

    TRAIN = "train"
    EVAL = "eval"
    UNKNOWN = "unknown"  # after code skewlint cannot see, or a flag it cannot decide
    ENTRY = "entry"  # whatever mode the caller's model had: a function's parameter, untouched so far

    # Written as its value (as the strings were), whatever Python's version formats enums as.
    def __str__(self) -> str:
        return str.__str__(self)

    def __format__(self, spec: str) -> str:
        return str.__format__(str.__str__(self), spec)


class Grad(Enum):
    """Does autograd record at a program point? A point holds a set of these (branches join)."""

    ON = "on"
    OFF = "off"
    FROM_CALLER = "from-caller"  # whatever the caller had: a function's entry, resolved per call


class GradChoice(Enum):
    """The effect of `torch.set_grad_enabled(flag)` with a flag the code decides when it runs."""

    EITHER = "either"


# What a context manager or a decorator does to the grad state (`contexts.grad_effect`).
GradEffect = Union[Grad, GradChoice]


class ContextKind(Enum):
    """What a region of code does with a model (`contexts.Context.kind`)."""

    TRAIN = "train"  # takes a training step
    EVAL = "eval"  # evaluates or serves it (with evidence)
    MANAGED = "managed"  # evaluation the framework runs itself (Lightning hooks), or calibration
    UNKNOWN = "unknown"  # neither, as far as the code tells
