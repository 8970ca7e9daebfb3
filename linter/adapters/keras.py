"""Keras 2/3 and `tf.keras` (one spelling: `keras`)."""

# Keras models have no train/eval mode: `training=` is passed per call instead.
MODULE_MODES = False

ALIASES = {
    "tensorflow.python.keras": "keras",
    "tensorflow.keras": "keras",
    "tf_keras": "keras",
    "keras.src": "keras",
    "keras.layers.experimental.preprocessing": "keras.layers",
    "keras.preprocessing.image.ImageDataGenerator": "keras.legacy.preprocessing.image.ImageDataGenerator",
    "keras.src.legacy.preprocessing.image.ImageDataGenerator": "keras.legacy.preprocessing.image.ImageDataGenerator",
}

_RANDOM_LAYERS = [
    "RandomFlip", "RandomRotation", "RandomZoom", "RandomTranslation", "RandomContrast", "RandomBrightness",
    "RandomCrop", "RandomHeight", "RandomWidth", "RandomGrayscale", "RandomHue", "RandomSaturation",
    "RandomSharpness", "RandomShear", "RandomColorDegeneration", "RandomColorJitter", "RandomPosterization",
    "RandomInvert", "RandomPerspective", "RandomErasing", "RandomGaussianBlur", "RandomElasticTransform",
    "RandAugment", "AugMix", "MixUp", "CutMix", "Solarization",
]

# Bytes whose presence makes a file worth parsing (the prefilter).
MARKERS = (b"keras", b"tensorflow")

ROLES = {
    "model-base": ["keras.Model", "keras.models.Model", "keras.layers.Layer", "keras.Sequential",
                   "keras.models.Sequential"],
    "model-factory": ["keras.Model", "keras.models.Model", "keras.Sequential", "keras.models.Sequential",
                      "keras.applications.*", "keras.models.load_model", "keras.saving.load_model"],
    "weights-load": ["keras.models.load_model", "keras.saving.load_model"],
    "training-step": ["tensorflow.GradientTape"],
    "random-transform": [f"keras.layers.{n}" for n in _RANDOM_LAYERS],
    "deterministic-transform": ["keras.layers.Rescaling", "keras.layers.Resizing", "keras.layers.CenterCrop",
                                "keras.layers.Normalization"],
    "image-generator": ["keras.legacy.preprocessing.image.ImageDataGenerator"],
    "fitted-preprocessor": ["keras.layers.Normalization", "keras.layers.TextVectorization", "keras.layers.StringLookup",
                            "keras.layers.IntegerLookup", "keras.layers.Discretization",
                            "keras.preprocessing.text.Tokenizer", "keras.legacy.preprocessing.text.Tokenizer"],
    "dataset": ["keras.utils.image_dataset_from_directory", "keras.preprocessing.image_dataset_from_directory",
                "keras.utils.text_dataset_from_directory"],
}

# `ImageDataGenerator` arguments that augment (anything but their default 0/False).
GENERATOR_AUGMENTATIONS = ("rotation_range", "width_shift_range", "height_shift_range", "brightness_range",
                           "shear_range", "zoom_range", "channel_shift_range", "horizontal_flip", "vertical_flip")

METHODS = {
    "training-step": ["apply_gradients", "minimize"],
    "tape-gradient": ["gradient"],
    "fit": ["fit", "fit_generator", "train_on_batch"],
    "weights-load": ["load_weights"],
}

# Keras calls these in inference mode: a `training=True` inside them is a bug (SKW105).
HOOKS = {
    "eval-step": ["test_step", "predict_step"],
    "managed-train": ["train_step"],
}
