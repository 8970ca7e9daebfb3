"""albumentations. Nearly every transform is random: by nature or through `p`, which defaults to
0.5. The deterministic ones default to `p=1.0`."""

MARKERS = (b"albumentations",)

_DETERMINISTIC = [
    "Normalize", "Resize", "CenterCrop", "PadIfNeeded", "LongestMaxSize", "SmallestMaxSize", "Crop", "ToFloat",
    "FromFloat", "NoOp", "ToRGB", "Lambda", "ToTensorV2", "pytorch.ToTensorV2", "pytorch.transforms.ToTensorV2",
]

ROLES = {
    "pipeline-compose": ["albumentations.Compose", "albumentations.core.composition.Compose",
                         "albumentations.OneOf", "albumentations.SomeOf", "albumentations.Sequential",
                         "albumentations.OneOrOther"],
    "deterministic-transform": [f"albumentations.{n}" for n in _DETERMINISTIC],
    # Random only through `p` (or `always_apply=True`): a flip with p=1 is a test-time flip.
    "coin-flip-transform": [f"albumentations.{n}" for n in (
        "HorizontalFlip", "VerticalFlip", "Transpose", "ToGray", "ToSepia", "InvertImg", "Equalize")],
    # Anything else under `albumentations.` is random unless built with `p=1` and deterministic.
    "probabilistic-transform": ["albumentations.*"],
}
