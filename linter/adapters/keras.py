"""Keras 2/3 and `tf.keras` (one spelling: `keras`)."""

# Keras models have no train/eval mode: `training=` is passed per call instead.
MODULE_MODES = False

ALIASES = {
    "tensorflow.python.keras": "keras",
    "tensorflow.keras": "keras",
    "tf_keras": "keras",
    "keras.src": "keras",
}

# Bytes whose presence makes a file worth parsing (the prefilter).
MARKERS = (b"keras", b"tensorflow")

ROLES = {
    "model-base": ["keras.Model", "keras.models.Model", "keras.layers.Layer", "keras.Sequential",
                   "keras.models.Sequential"],
    "model-factory": ["keras.Model", "keras.models.Model", "keras.Sequential", "keras.models.Sequential",
                      "keras.applications.*", "keras.models.load_model", "keras.saving.load_model"],
    "weights-load": ["keras.models.load_model", "keras.saving.load_model"],
    "training-step": ["tensorflow.GradientTape"],
}

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
