"""Which files to lint: recursive discovery with excludes and `.gitignore`, as ruff does it.

A file named explicitly is linted even if an exclude pattern matches it, unless `force-exclude`
is set (pre-commit passes every changed file by name).
"""
from __future__ import annotations

import os
from typing import Iterator, List, Optional, Tuple

from skewlint.config.settings import Resolver
from skewlint.config.gitignore import GitIgnore, is_ignored, parents_with_ignores

EXTENSIONS = (".py", ".pyi", ".ipynb")


class MissingPath(Exception):
    pass


def discover(paths: List[str], resolver: Resolver) -> Iterator[Tuple[str, object]]:
    """Yield (path, settings) for every file to lint; raise MissingPath for a path that does not exist
    (after yielding the others)."""
    missing = []
    seen = set()
    for path in paths:
        if not os.path.lexists(path):
            missing.append(path)
            continue
        if os.path.isdir(path):
            for found in _walk(path, resolver):
                key = os.path.realpath(found[0])
                if key not in seen:
                    seen.add(key)
                    yield found
        else:
            settings = resolver.for_path(path)
            if settings.force_exclude and _excluded_explicit(path, settings):
                continue
            key = os.path.realpath(path)
            if key not in seen:
                seen.add(key)
                yield path, settings
    if missing:
        raise MissingPath(", ".join(missing))


def discover_all(paths: List[str], resolver: Resolver) -> Tuple[List[str], Optional[MissingPath]]:
    """The files to lint, and the paths that do not exist (None: all do)."""
    found: List[str] = []
    try:
        for path, _ in discover(paths or ["."], resolver):
            found.append(path)
    except MissingPath as missing:
        return found, missing
    return found, None


def _excluded_explicit(path: str, settings) -> bool:
    if settings.is_excluded(path, ancestors=True):
        return True
    if settings.respect_gitignore:
        directory = os.path.dirname(os.path.abspath(path))
        ignores = parents_with_ignores(directory)
        own = GitIgnore.load(directory)
        if own is not None:
            ignores.append(own)
        return is_ignored(os.path.abspath(path), False, ignores)
    return False


def _walk(root: str, resolver: Resolver) -> Iterator[Tuple[str, object]]:
    root_settings = resolver.for_path(root)
    ignores = parents_with_ignores(root) if root_settings.respect_gitignore else []
    if root_settings.force_exclude and root_settings.is_excluded(root, ancestors=True):
        return
    visited = set()
    stack = [(root, ignores)]
    while stack:
        directory, inherited = stack.pop()
        real = os.path.realpath(directory)
        if real in visited:  # a symlink loop
            continue
        visited.add(real)
        settings = resolver.for_path(directory)
        chain = inherited
        if settings.respect_gitignore:
            own = GitIgnore.load(directory)
            if own is not None:
                chain = inherited + [own]
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError:
            continue
        subdirs = []
        for entry in entries:
            full = os.path.join(directory, entry.name)
            try:
                is_dir = entry.is_dir()
            except OSError:
                continue
            if settings.is_excluded(full):
                continue
            if settings.respect_gitignore and is_ignored(os.path.abspath(full), is_dir, chain):
                continue
            if is_dir:
                subdirs.append((full, chain))
            elif entry.name.endswith(EXTENSIONS):
                yield full, settings
        stack.extend(reversed(subdirs))
