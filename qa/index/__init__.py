"""The index: chunking, embedding, the Chroma store, the BM25 index, the indexer and its
background runs."""
