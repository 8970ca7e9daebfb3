"""torchvision."""

ROLES = {
    "model-factory": ["torchvision.models.*"],
}
