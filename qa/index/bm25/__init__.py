"""BM25 of a build: written from stored term ids (`write`), read back without bm25s (`read`)."""
