"""All rules, one module per family; the registry is built from `ALL_RULES`."""
from skewlint.rules import autograd, model_mode, pipelines, tool

ALL_RULES = model_mode.RULES + autograd.RULES + pipelines.RULES + tool.RULES
