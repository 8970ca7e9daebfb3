"""torchvision."""

# Bytes whose presence makes a file worth parsing (the prefilter).
MARKERS = (b"torchvision",)

ROLES = {
    "model-factory": ["torchvision.models.*"],
}

_V1_RANDOM = [
    "RandomApply", "RandomChoice", "RandomOrder", "RandomCrop", "RandomHorizontalFlip", "RandomVerticalFlip",
    "RandomResizedCrop", "RandomSizedCrop", "ColorJitter", "RandomRotation", "RandomAffine", "RandomGrayscale",
    "RandomPerspective", "RandomErasing", "GaussianBlur", "RandomInvert", "RandomPosterize", "RandomSolarize",
    "RandomAdjustSharpness", "RandomAutocontrast", "RandomEqualize", "ElasticTransform", "AutoAugment",
    "RandAugment", "TrivialAugmentWide", "AugMix",
]
_V2_ONLY_RANDOM = [
    "RandomPhotometricDistort", "RandomZoomOut", "RandomIoUCrop", "RandomShortestSize", "RandomResize",
    "ScaleJitter", "RandomChannelPermutation", "GaussianNoise", "JPEG", "MixUp", "CutMix",
]
_DETERMINISTIC = [
    "Resize", "CenterCrop", "ToTensor", "PILToTensor", "ToPILImage", "Normalize", "ConvertImageDtype",
    "Grayscale", "Pad", "FiveCrop", "TenCrop", "Lambda", "ToImage", "ToDtype", "ToPureTensor", "Identity",
    "SanitizeBoundingBoxes", "ClampBoundingBoxes", "ConvertBoundingBoxFormat", "Resized", "LinearTransformation",
]
ROLES.update({
    "pipeline-compose": ["torchvision.transforms.Compose", "torchvision.transforms.v2.Compose"],
    # Every random transform of torchvision.transforms (v1) and transforms.v2, from their docs.
    "random-transform": [f"torchvision.transforms.{n}" for n in _V1_RANDOM]
    + [f"torchvision.transforms.v2.{n}" for n in _V1_RANDOM + _V2_ONLY_RANDOM],
    "deterministic-transform": [f"torchvision.transforms.{n}" for n in _DETERMINISTIC]
    + [f"torchvision.transforms.v2.{n}" for n in _DETERMINISTIC],
    "dataset": ["torchvision.datasets.*"],
})
# Test split sizes of datasets that ship with torchvision (`train=False`): a batch size that divides
# one leaves no incomplete last batch to drop.
TEST_SIZES = {"MNIST": 10000, "FashionMNIST": 10000, "KMNIST": 10000, "CIFAR10": 10000, "CIFAR100": 10000}
# Transforms whose only randomness is whether they apply, and where `p` goes when passed by position
# (`RandomApply(transforms, p)` is as random as its transforms at p=1).
P_POSITION = {
    "RandomHorizontalFlip": 0, "RandomVerticalFlip": 0, "RandomGrayscale": 0, "RandomInvert": 0,
    "RandomAutocontrast": 0, "RandomEqualize": 0, "RandomPosterize": 1, "RandomSolarize": 1,
    "RandomAdjustSharpness": 1, "RandomApply": 1,
}
ROLES["coin-flip-transform"] = [f"torchvision.transforms.{prefix}{n}" for n in P_POSITION for prefix in ("", "v2.")]
# `GaussianBlur(k, sigma=1.0)` is deterministic; its default sigma range is random.
RANDOM_UNLESS_SCALAR = {"GaussianBlur": ("sigma", 1)}
