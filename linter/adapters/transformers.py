"""HuggingFace transformers (and the libraries sharing its `from_pretrained` convention)."""

# Bytes whose presence makes a file worth parsing (the prefilter).
MARKERS = (b"transformers",)

ROLES = {
    "model-base": ["transformers.PreTrainedModel", "transformers.modeling_utils.PreTrainedModel"],
    # `from_pretrained` returns a model in eval mode; any `*.from_pretrained` is matched by the
    # semantic model, these are the explicit classes.
    "eval-model-factory": ["transformers.pipeline"],
    # `Pipeline.forward` runs the model under `inference_context()` (`torch.no_grad`).
    "grad-free-factory": ["transformers.pipeline"],
}

ROLES["dataset"] = ["datasets.load_dataset"]

METHODS = {
    "weights-load": ["from_pretrained"],
    "generate": ["generate"],
}

# `from_pretrained` of these classes loads no network (`AutoTokenizer`, `CLIPProcessor`, ...).
PRETRAINED_NON_MODELS = ("Tokenizer", "Processor", "FeatureExtractor", "Config", "Scheduler")
# Objects whose `__call__` runs under `torch.no_grad()` itself (diffusers' `StableDiffusionPipeline`).
GRAD_FREE_CALLABLES = ("Pipeline",)
