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
    # TorchMetrics' classification metrics are not differentiable: what they return has no graph.
    "graph-free-metric": ["torchmetrics.Accuracy", "torchmetrics.Precision", "torchmetrics.Recall",
                          "torchmetrics.F1Score", "torchmetrics.FBetaScore", "torchmetrics.ConfusionMatrix",
                          "torchmetrics.AUROC", "torchmetrics.AveragePrecision", "torchmetrics.JaccardIndex",
                          "torchmetrics.MatthewsCorrCoef", "torchmetrics.CohenKappa", "torchmetrics.Specificity",
                          "torchmetrics.StatScores", "torchmetrics.classification.*",
                          "torchmetrics.functional.accuracy", "torchmetrics.functional.f1_score",
                          "torchmetrics.functional.precision", "torchmetrics.functional.recall",
                          "torchmetrics.functional.classification.*"],
}

METHODS = {
    "training-step": ["manual_backward"],  # `self.manual_backward(loss)`; `fabric.backward` is `backward`
    "weights-load": ["load_from_checkpoint"],
}

# Methods Lightning calls itself: it switches the mode and the grad state around them.
HOOKS = {
    "managed-eval": ["validation_step", "test_step", "predict_step", "on_validation_epoch_end",
                     "on_test_epoch_end", "on_validation_epoch_start", "on_test_epoch_start",
                     "validation_epoch_end", "test_epoch_end", "on_validation_batch_end",
                     "on_test_batch_end", "on_predict_batch_end", "on_validation_start",
                     "on_validation_end", "on_test_start", "on_test_end", "on_predict_start",
                     "on_predict_end"],
    "managed-train": ["training_step"],
}
