"""All rules, one module per family; the registry is built from `ALL_RULES`."""
from skewlint.rules import autograd, model_mode, parity, pipelines, tool

ALL_RULES = model_mode.RULES + autograd.RULES + pipelines.RULES + parity.RULES + tool.RULES
