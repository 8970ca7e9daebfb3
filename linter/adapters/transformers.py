"""HuggingFace transformers (and the libraries sharing its `from_pretrained` convention)."""

# Bytes whose presence makes a file worth parsing (the prefilter).
MARKERS = (b"transformers",)

ROLES = {
    "model-base": ["transformers.PreTrainedModel", "transformers.modeling_utils.PreTrainedModel"],
    # `from_pretrained` returns a model in eval mode; any `*.from_pretrained` is matched by the
    # semantic model, these are the explicit classes.
    "eval-model-factory": ["transformers.pipeline"],
}

METHODS = {
    "weights-load": ["from_pretrained"],
    "generate": ["generate"],
}
