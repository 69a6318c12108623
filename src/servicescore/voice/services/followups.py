"""Customer voice, followups: the writes (one transaction each, audited)."""
