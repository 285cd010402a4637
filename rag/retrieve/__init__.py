"""Finding the passages: hybrid dense + BM25 search, filters applied inside it, the articles a question names."""
