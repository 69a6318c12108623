"""Customer voice, invitations: the writes (one transaction each, audited)."""
