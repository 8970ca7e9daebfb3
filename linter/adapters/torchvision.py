"""torchvision."""

# Bytes whose presence makes a file worth parsing (the prefilter).
MARKERS = (b"torchvision",)

ROLES = {
    "model-factory": ["torchvision.models.*"],
}
