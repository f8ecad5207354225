"""The index stage: a build of the corpus for search, written atomically and loaded for questions.

Owns: the on-disk format and settings (`format`), what is embedded (`units`), the FAISS index
(`vectors`), the encoder (`encoder/`: the packaged model, its ONNX export, texts to vectors), BM25
(`lexical`: the one tokenizer; `bm25/`: write and read), the passage store (`store`), what the
index knows of the collection's words (`vocabulary`), build folders and publishing (`folders`),
each sentence's role, decided once at build by a small trained model (`roles`), the build itself
(`build`), refusing a shrunk report (`shrink`), loading (`load`), and the stores searched
(`stores/`: the store interface; Qdrant, in process or a server, beside the local files).

Does not: rank or fuse results for a question (`qa.retrieve`) or answer (`qa.answer`).
"""
