"""The run options that configuration keys give a default to: `fix`, `unsafe-fixes`, `output-format`."""
from __future__ import annotations

import os
from typing import NamedTuple, Optional, Tuple

from skewlint.config.settings import Resolver
from skewlint.fix.command import FixOptions


class RunFlags(NamedTuple):
    """The options that the configuration keys `fix`, `unsafe-fixes` and `output-format` give a
    default to (None: not on the command line). Those of the configuration that governs the working
    directory apply, as ruff takes them from the project's configuration."""

    fix: Optional[bool]
    unsafe_fixes: Optional[bool]
    output_format: Optional[str]
    fix_only: bool
    diff: bool
    show_fixes: bool
    exit_non_zero_on_fix: bool

    def resolve(self, resolver: Resolver) -> Tuple[str, FixOptions]:
        project_settings = resolver.for_path(os.getcwd())

        def pick(cli, configured, default):
            return cli if cli is not None else configured if configured is not None else default

        output_format = pick(self.output_format, project_settings.output_format, "concise")
        fixing = FixOptions.from_flags(pick(self.fix, project_settings.fix, False), self.fix_only, self.diff,
                                       pick(self.unsafe_fixes, project_settings.unsafe_fixes, False),
                                       self.show_fixes, self.exit_non_zero_on_fix)
        return output_format, fixing
