"""Flax (linen and nnx)."""

# Bytes whose presence makes a file worth parsing (the prefilter).
MARKERS = (b"flax", b"jax")

# Flax modules are stateless: train/eval behaviour is chosen per `apply` call.
MODULE_MODES = False

ROLES = {
    "model-base": ["flax.linen.Module", "flax.nnx.Module"],
    "training-step": ["jax.grad", "jax.value_and_grad"],
    "static-shapes": ["jax.pmap"],  # one equal shard of every batch per device
    "weights-load": ["flax.training.checkpoints.restore_checkpoint", "orbax.checkpoint.*"],
}
