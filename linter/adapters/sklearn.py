"""scikit-learn."""

MARKERS = (b"sklearn",)

ROLES = {
    "split": ["sklearn.model_selection.train_test_split"],
    # Embeddings fitted on the data they embed, with no `transform` for new data (t-SNE, MDS).
    "embedding": ["sklearn.manifold.TSNE", "sklearn.manifold.MDS", "sklearn.manifold.SpectralEmbedding"],
    "label-encoder": ["sklearn.preprocessing.LabelEncoder", "sklearn.preprocessing.LabelBinarizer",
                      "sklearn.preprocessing.MultiLabelBinarizer"],
    # Fitting learns nothing from the values (row-wise or fixed maps): fitting on any data is the same.
    "stateless-preprocessor": ["sklearn.preprocessing.PolynomialFeatures", "sklearn.preprocessing.Normalizer",
                               "sklearn.preprocessing.Binarizer", "sklearn.preprocessing.FunctionTransformer",
                               "sklearn.feature_extraction.text.HashingVectorizer",
                               "sklearn.feature_extraction.FeatureHasher"],
}
ROLES.update({
    # Preprocessors fitted on data: fitting them on evaluation data leaks it (SKW404).
    # Compositions too (`ColumnTransformer`, `Pipeline`): fitting one fits every step. Of the manifold
    # learners only those with a `transform` for new data: t-SNE, MDS and spectral embeddings only
    # embed the data they are fitted on (a plot), nothing fitted reaches other data.
    "fitted-preprocessor": ["sklearn.preprocessing.*", "sklearn.decomposition.*", "sklearn.impute.*",
                            "sklearn.feature_extraction.*", "sklearn.feature_selection.*",
                            "sklearn.random_projection.*", "sklearn.manifold.Isomap",
                            "sklearn.manifold.LocallyLinearEmbedding", "sklearn.compose.*",
                            "sklearn.pipeline.*"],
})
