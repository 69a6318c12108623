"""Customer voice, fraud: the pages."""
