"""The run pipeline: files to results. Reading and guarding input, the per-file engine, the project
index and phase, suppressions, positions, the process pool, the cache, time limits and stopping."""
