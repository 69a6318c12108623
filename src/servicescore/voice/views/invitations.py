"""Customer voice, invitations: the pages."""
