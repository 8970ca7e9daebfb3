"""numpy and the standard library's `random`: random number generators for user augmentations."""

MARKERS = ()

ROLES = {
    "random-api": ["random.*", "numpy.random.*"],
}
