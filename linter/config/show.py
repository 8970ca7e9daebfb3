"""`skewlint check --show-settings`: the resolved settings of one file (or directory), as TOML
that `tomllib` reads back: what the configuration files and the command line made of them."""
from __future__ import annotations

import json

from skewlint.config.settings import Settings


def _toml(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a TOML basic string
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_toml(key)} = {_toml(item)}" for key, item in value.items()) + " }" if value else "{}"
    if isinstance(value, (set, frozenset)):
        value = sorted(value)
    return "[" + ", ".join(_toml(item) for item in value) + "]"


def settings_text(target: str, settings: Settings, enabled: frozenset, fix: bool, unsafe_fixes: bool,
                  output_format: str) -> str:
    """`enabled`: the rules for `target` (after per-file-ignores when it is a file); `fix`,
    `unsafe_fixes`, `output_format`: the run's options, configuration and command line combined."""
    source = settings.source or "none (the defaults)"
    extends = f"# Extends: {', '.join(settings.extends)}\n" if settings.extends else ""
    values = {
        "root": settings.root,
        "enabled": enabled,
        "per-file-ignores": {pattern: sorted(codes) for pattern, codes in settings.per_file_ignores},
        "exclude": settings.exclude,
        "extend-exclude": settings.extend_exclude,
        "force-exclude": settings.force_exclude,
        "respect-gitignore": settings.respect_gitignore,
        "normalization": [{"files": files, "mean": list(mean), "std": list(std)}
                          for files, mean, std in settings.normalization],
        "fix": fix,
        "unsafe-fixes": unsafe_fixes,
        "output-format": output_format,
    }
    body = "".join(f"{key} = {_toml(value)}\n" for key, value in values.items())
    return f"# Resolved settings for: {target}\n# Settings path: {source}\n{extends}{body}"
