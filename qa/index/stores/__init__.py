"""Where a build's passages, vectors and BM25 terms are searched: the local files or Qdrant.

`api`: the store interface every store keeps (upsert a report, delete a report, hybrid search with
filters, get passages), the filter and query records, and `--store` / $REPORTQA_STORE parsing.
`qdrant`: the Qdrant store; `schema`: its one schema and one query builder for both Qdrant
paths; `backends`: the two thin backends, `qdrant-edge:PATH` (Qdrant's engine in process,
`qdrant-edge-py`) and `qdrant:URL` (a server or cluster, `qdrant-client`). `sync`: bringing a store level with a published local build
(a full rebuild published by alias swap, or only the reports that changed).

The local store (FAISS + bm25s files in the build folder, `qa.index.load`) stays the default and
is searched, unchanged, by `qa.retrieve.Retriever`'s own in-process code.
"""
