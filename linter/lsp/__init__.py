"""The Language Server (`skewlint server`)."""
