"""Keras 2/3 and `tf.keras` (one spelling: `keras`)."""

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
}
