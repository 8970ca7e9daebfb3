"""scikit-learn."""

MARKERS = (b"sklearn",)

ROLES = {
    "split": ["sklearn.model_selection.train_test_split"],
}
ROLES.update({
    # Preprocessors fitted on data: fitting them on evaluation data leaks it (SKW404).
    "fitted-preprocessor": ["sklearn.preprocessing.*", "sklearn.decomposition.*", "sklearn.impute.*",
                            "sklearn.feature_extraction.*", "sklearn.feature_selection.*",
                            "sklearn.random_projection.*", "sklearn.manifold.*"],
})
