"""Customer voice, overview: the pages."""
