"""Reading articles: which files, their text and encoding, their metadata, and their chunks."""
