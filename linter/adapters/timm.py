"""timm (pytorch-image-models)."""

ROLES = {
    "model-factory": ["timm.create_model", "timm.models.create_model"],
}
