"""Lightning (`lightning.pytorch`, formerly `pytorch_lightning`)."""

ALIASES = {
    "pytorch_lightning": "lightning.pytorch",
    "lightning.LightningModule": "lightning.pytorch.LightningModule",
    "lightning.Trainer": "lightning.pytorch.Trainer",
    "lightning.pytorch.core.LightningModule": "lightning.pytorch.LightningModule",
    "lightning.pytorch.core.module.LightningModule": "lightning.pytorch.LightningModule",
}

ROLES = {
    "model-base": ["lightning.pytorch.LightningModule"],
}
