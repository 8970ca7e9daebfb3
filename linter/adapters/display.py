"""Plotting and image display (matplotlib, seaborn, plotly, OpenCV, PIL, TensorBoard, W&B): where a
value becomes a picture. Never a reason to parse a file, so no markers."""

MARKERS = ()

ROLES = {
    "display": [
        "matplotlib.*", "seaborn.*", "plotly.*", "cv2.imshow", "cv2.imwrite", "IPython.display.*",
        "torchvision.utils.make_grid", "torchvision.utils.save_image", "wandb.Image", "PIL.Image.fromarray",
    ],
}

# Methods of axes, figures and summary writers (`ax.imshow(...)`, `writer.add_image(...)`).
METHODS = {
    "display": ["imshow", "matshow", "scatter", "plot", "hist", "bar", "barh", "contour", "contourf",
                "pcolormesh", "add_image", "add_images", "add_figure", "add_embedding"],
}
