"""Customer voice, surveys: the writes (one transaction each, audited)."""
