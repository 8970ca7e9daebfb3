"""Flax (linen and nnx)."""

# Bytes whose presence makes a file worth parsing (the prefilter).
MARKERS = (b"flax", b"jax")

ROLES = {
    "model-base": ["flax.linen.Module", "flax.nnx.Module"],
}
