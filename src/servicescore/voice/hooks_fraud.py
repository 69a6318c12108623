"""Customer voice, fraud: navigation items, page sections and signal receivers, registered
from VoiceConfig.ready()."""


def register() -> None:
    pass
