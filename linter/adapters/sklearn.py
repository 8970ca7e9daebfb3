"""scikit-learn."""

MARKERS = (b"sklearn",)

ROLES = {
    "split": ["sklearn.model_selection.train_test_split"],
}
