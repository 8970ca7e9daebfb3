"""Settings: configuration files and their validation, which files a run lints, `.gitignore`."""
