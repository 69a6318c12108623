"""Questions a lower app asks and a higher app answers.

The layer order (docs/architecture.md) lets an app import only the apps before it, yet core
must ask org whether a user sees the whole company, and the admin of any app must ask which
rows a user's scope reaches. The app that knows provides the answer in its
`AppConfig.ready()`; asking a question nobody answers is a wiring bug and fails loudly,
never an empty (or a full) answer.
"""

from collections.abc import Callable

_ANSWERS: dict[str, Callable] = {}


class Unanswered(LookupError):
    """No installed app answers this question."""


def answer(question: str, function: Callable) -> None:
    """Register `function` as the answer to `question` (the last registration wins, so that a
    test may swap one in)."""
    _ANSWERS[question] = function


def ask(question: str, *args, **kwargs):
    """The answer of the app that provides `question`."""
    try:
        function = _ANSWERS[question]
    except KeyError:
        raise Unanswered(f"no installed app answers {question!r}") from None
    return function(*args, **kwargs)


def answered(question: str) -> bool:
    return question in _ANSWERS
