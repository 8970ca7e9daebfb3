"""Fixing: the edits rules propose, applying them in passes, and the `--fix`/`--diff` command."""
