"""Domain errors: what a service refuses, with a code for programs, a message for people and
the field to blame.

Services raise these; every entry point shows them the same way — a page puts the message on
the form (at the field, or above it), the API answers `{code, message, field}` with the
class's HTTP status, the importer reports them at the row. The four kinds and their
statuses (after zulip's JsonableError and saleor's error codes):

    Invalid   422  the input breaks a rule (a negative hour, a missing reason)
    Refused   403  the user may not do this (a role, a scope, a locked record)
    NotFound  404  no such record the user can see (never says whether it exists)
    Conflict  409  the record changed or another write got there first

They are Django ValidationErrors, so a form's `add_error(None, error)`, `full_clean()` and
every `except ValidationError` that already handles a service's refusal keep working; one
error may name several fields (`Invalid({"from": ..., "to": ...})`), each with its code.

Every code is declared once, where it is raised, with `declare` (its status and what it
means, in English for developers): the OpenAPI document and docs/api.md list them from
there (`servicescore errors`). The module that declares an app's codes is its `errors`,
`policy` or `services` module, which `discover_codes` imports.
"""

from dataclasses import dataclass

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError


@dataclass(frozen=True)
class ErrorCode:
    code: str
    status: int
    meaning: str
    area: str


# code → its declaration, in the order declared
CODES: dict[str, ErrorCode] = {}


def declare(code: str, kind, meaning: str, *, area: str = "") -> str:
    """Declare an error code: `kind` is a DomainError class or an HTTP status, `meaning` one
    English sentence for developers, `area` where it arises (accounts, org, import…).
    Returns the code. A code means one thing: declaring it again with another status fails."""
    status = kind if isinstance(kind, int) else kind.status
    known = CODES.get(code)
    if known is not None:
        if known.status != status:
            raise ValueError(f"error code {code!r} is declared with status {known.status}, not {status}")
        return code
    CODES[code] = ErrorCode(code=code, status=status, meaning=meaning, area=area)
    return code


def discover_codes() -> dict[str, ErrorCode]:
    """Every declared code: imports each app's errors, policy and services modules."""
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("errors", "policy", "services")
    return CODES


def codes_table() -> str:
    """The declared codes as a Markdown table, by status then area and code (docs/api.md)."""
    lines = ["| status | `code` | where | meaning |", "|---|---|---|---|"]
    for entry in sorted(CODES.values(), key=lambda e: (e.status, e.area, e.code)):
        lines.append(f"| {entry.status} | `{entry.code}` | {entry.area} | {entry.meaning} |")
    return "\n".join(lines)


class DomainError(ValidationError):
    """A refusal by a service. `code` is stable (tests and API clients match on it), the
    message is translated, `field` is the input to blame or None."""

    status = 422
    default_code = "invalid"

    def __init__(self, message, *, code: str | None = None, field: str | None = None, params=None):
        code = code or self.default_code
        if isinstance(message, dict):
            # several fields at once: {field: message or ValidationError}
            super().__init__(
                {
                    name: value if isinstance(value, ValidationError) else ValidationError(value, code=code)
                    for name, value in message.items()
                }
            )
        elif field:
            super().__init__({field: ValidationError(message, code=code, params=params)})
        else:
            super().__init__(message, code=code, params=params)
        self.domain_code = code
        self.field = field

    def __str__(self):
        # the message people read, not the list or dict repr of a ValidationError
        return " ".join(self.messages)

    @property
    def message_text(self) -> str:
        """The first message, rendered: what a page shows when it shows one line."""
        return self.messages[0] if self.messages else ""

    def items(self) -> list[dict]:
        """Every wrong field as {code, message, field} (field None for the request as a whole)."""
        return error_items(self)


class Invalid(DomainError):
    status = 422
    default_code = "invalid"


class Refused(DomainError):
    status = 403
    default_code = "forbidden"


class NotFound(DomainError):
    status = 404
    default_code = "not_found"


class Conflict(DomainError):
    status = 409
    default_code = "conflict"


declare("invalid", Invalid, "The input breaks a rule; the message says which.", area="any")
declare("forbidden", Refused, "The caller may not do this: a role, a scope or a locked record.", area="any")
declare(
    "not_found", NotFound, "No such record the caller can see (never says whether it exists).", area="any"
)
declare(
    "conflict",
    Conflict,
    "The record changed, or another write got there first; nothing was written.",
    area="any",
)


def error_items(error: ValidationError) -> list[dict]:
    """Any ValidationError (a DomainError or Django's own) as {code, message, field} dicts,
    keeping each message's code."""

    def items(field, errors):
        for item in errors:
            for message in item.messages:
                yield {"code": item.code or "invalid", "message": message, "field": field}

    if hasattr(error, "error_dict"):
        return [
            entry
            for name, errors in error.error_dict.items()
            for entry in items(None if name == NON_FIELD_ERRORS else name, errors)
        ]
    return list(items(None, error.error_list))


def status_of(error: ValidationError) -> int:
    """The HTTP status an error answers with: a DomainError's own, 422 for any other."""
    return getattr(error, "status", 422)
