"""The semantic model: what a file's code means, built once per file and shared by every rule."""
