"""numpy and the standard library's `random` and `math`: random number generators for user
augmentations; results that never carry an autograd graph (numpy refuses a tensor that requires
grad, `math` turns one into a float)."""

MARKERS = ()

ROLES = {
    "random-api": ["random.*", "numpy.random.*"],
    "graph-free-result": ["numpy.*", "math.*"],
}
