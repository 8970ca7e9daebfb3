"""skewlint: a static linter for train/eval skew in machine-learning code."""

__version__ = "0.1.0"
