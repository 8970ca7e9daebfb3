"""Flax (linen and nnx)."""

ROLES = {
    "model-base": ["flax.linen.Module", "flax.nnx.Module"],
}
