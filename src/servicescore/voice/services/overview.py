"""Customer voice, overview: the writes (one transaction each, audited)."""
