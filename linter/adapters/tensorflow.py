"""TensorFlow (`tf.data`, `tf.image`); Keras lives in the keras adapter."""

MARKERS = (b"tensorflow",)
MODULE_MODES = False

ROLES = {
    "random-api": ["tensorflow.random.*", "tensorflow.image.random_*", "tensorflow.image.stateless_random_*"],
    "random-transform": ["tensorflow.image.random_*", "tensorflow.image.stateless_random_*"],
    "dataset": ["tensorflow.data.Dataset.from_tensor_slices", "tensorflow.data.TFRecordDataset",
                "tensorflow_datasets.load"],
    "static-shapes": ["tensorflow.distribute.TPUStrategy", "tensorflow.distribute.experimental.TPUStrategy",
                      "tensorflow.distribute.cluster_resolver.TPUClusterResolver", "tensorflow.tpu.*"],
}
