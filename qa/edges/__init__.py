"""The program-facing edges: the wire contract, the Python client, the LangChain retriever, evaluation."""
