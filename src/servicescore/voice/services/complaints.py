"""Customer voice, complaints: the writes (one transaction each, audited)."""
