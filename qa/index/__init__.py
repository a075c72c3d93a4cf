"""The index: chunking, embedding, the Chroma store and its lock, the BM25 index, the
indexer's journal, the indexer and its background runs."""
