"""Customer voice, followups: the pages."""
