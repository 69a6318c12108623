"""Customer voice, fraud: the writes (one transaction each, audited)."""
