"""newsqa's retrieval and answering core: settings, embeddings, store, retrieval, answers."""
