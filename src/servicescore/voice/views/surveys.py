"""Customer voice, surveys: the pages."""
