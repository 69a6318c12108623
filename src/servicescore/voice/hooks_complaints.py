"""Customer voice, complaints: navigation items, page sections and signal receivers, registered
from VoiceConfig.ready()."""


def register() -> None:
    pass
