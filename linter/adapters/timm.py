"""timm (pytorch-image-models)."""

# Bytes whose presence makes a file worth parsing (the prefilter).
MARKERS = (b"timm",)

ROLES = {
    "model-factory": ["timm.create_model", "timm.models.create_model"],
}
