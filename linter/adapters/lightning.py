"""Lightning (`lightning.pytorch`, formerly `pytorch_lightning`)."""

ALIASES = {
    "pytorch_lightning": "lightning.pytorch",
    "lightning.LightningModule": "lightning.pytorch.LightningModule",
    "lightning.Trainer": "lightning.pytorch.Trainer",
    "lightning.pytorch.core.LightningModule": "lightning.pytorch.LightningModule",
    "lightning.pytorch.core.module.LightningModule": "lightning.pytorch.LightningModule",
}

# Bytes whose presence makes a file worth parsing (the prefilter).
MARKERS = (b"lightning",)

ROLES = {
    "model-base": ["lightning.pytorch.LightningModule"],
}
