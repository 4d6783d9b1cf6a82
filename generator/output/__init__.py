"""Writing the output: atomic files and the lock, the cache and manifest, change detection, the worker pool, open data, search, the data file's schema."""
