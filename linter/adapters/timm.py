"""timm (pytorch-image-models)."""

# Bytes whose presence makes a file worth parsing (the prefilter).
MARKERS = (b"timm",)

ROLES = {
    "model-factory": ["timm.create_model", "timm.models.create_model"],
}
ROLES.update({
    "transform-factory": ["timm.data.create_transform", "timm.data.transforms_factory.create_transform"],
    "dataset": ["timm.data.create_dataset"],
    "loader": ["timm.data.create_loader"],
})
