"""Customer voice, complaints: the pages."""
