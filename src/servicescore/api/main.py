"""The REST API: django-ninja, OpenAPI 3 at /api/docs (schema at /api/openapi.json).

Every router reads through the data scope (org/scope.py, workorders/scope.py; out of scope
→ 404, so ids cannot be probed), writes through the domain services, and answers every error in one shape,
`{"code", "message", "field", "errors": [{"code", "message", "field"}, …]}` (common.ErrorOut),
which each operation declares for the statuses it can answer. A service's refusal
(core.errors.DomainError) answers its kind's status with its own code; the document names
the codes of each status and lists every declared code with its meaning.
"""

from collections import defaultdict

from django.conf import settings
from django.core.exceptions import (
    PermissionDenied,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
    ValidationError,
)
from django.http import Http404
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from servicescore.core.errors import DomainError, codes_table, discover_codes

from .auth import ApiRejected
from .common import JsonParser, error_body, field_errors

# Added to the 422 answers' description: codes no declaration lists.
OTHER_422_CODES = (
    "or the code of a Django or pydantic validation of the field (such as unique, max_length or "
    "string_too_long)"
)


class ServiceScoreAPI(NinjaAPI):
    """NinjaAPI whose document describes the error codes (core.errors.declare): each error
    answer names the codes of its status, and the API's description lists them all."""

    def get_openapi_schema(self, **kwargs):
        document = super().get_openapi_schema(**kwargs)
        codes = discover_codes()
        by_status = defaultdict(list)
        for entry in codes.values():
            by_status[entry.status].append(entry.code)
        for methods in document["paths"].values():
            for operation in methods.values():
                for status, response in operation["responses"].items():
                    if int(status) < 400:
                        continue
                    named = ", ".join(f"`{code}`" for code in sorted(by_status[int(status)]))
                    extra = f", {OTHER_422_CODES}" if int(status) == 422 else ""
                    response["description"] = f"{response['description']}. Codes: {named}{extra}."
        document["info"]["description"] += (
            "\n\n## Error codes\n\nEvery code an error answer may carry, by status:\n\n" + codes_table()
        )
        return document


api = ServiceScoreAPI(
    title="ServiceScore API",
    version="1",
    description=(
        "Work orders, people, KPI results and scorecards, and bulk import for ServiceScore (售后绩效). "
        "Authenticate with `Authorization: Bearer ss_…` (a token an administrator creates, with the "
        "scopes read, write, import) or the browser session. Records outside the caller's data scope "
        "answer 404. Every error answers `{code, message, field, errors}`. See docs/api.md."
    ),
    urls_namespace="api",
    docs_url="/docs",
    parser=JsonParser(),
)


def _answer(request, status, message, errors=(), headers=None, code=None):
    response = api.create_response(request, error_body(status, message, errors, code=code), status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


@api.exception_handler(ApiRejected)
def _rejected(request, exc: ApiRejected):
    return _answer(request, exc.status, exc.message, headers=exc.headers, code=getattr(exc, "code", None))


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    return _answer(request, 401, _("Authentication required: send a bearer token or log in."))


@api.exception_handler(Http404)
def _not_found(request, exc):
    return _answer(request, 404, _("Not found."))


@api.exception_handler(PermissionDenied)
def _forbidden(request, exc):
    return _answer(request, 403, str(exc) or _("Not allowed."))


@api.exception_handler(DomainError)
def _domain_error(request, exc: DomainError):
    """A service's refusal: its kind's status, its code, its message, its field."""
    errors = field_errors(exc)
    if len(errors) == 1:
        message = errors[0]["message"]
    elif exc.status == 422:
        message = _("The input is not valid.")
    else:
        message = " ".join(error["message"] for error in errors)
    return _answer(request, exc.status, message, errors, code=None if len(errors) == 1 else exc.domain_code)


@api.exception_handler(ValidationError)
def _invalid(request, exc):
    errors = field_errors(exc)
    return _answer(
        request, 422, errors[0]["message"] if len(errors) == 1 else _("The input is not valid."), errors
    )


def _schema_error(item: dict) -> dict:
    """One pydantic error as an ErrorItem, in the request's language where we know the type;
    our own formats (common.py) raise errors whose type is already our code."""
    location = [
        str(part) for part in item.get("loc", ()) if part not in ("body", "query", "path", "form", "payload")
    ]
    kind, context = item.get("type", ""), item.get("ctx") or {}
    known = {
        "missing": ("required", _("This field is required.")),
        "int_parsing": ("invalid_integer", _("Enter a whole number.")),
        "int_type": ("invalid_integer", _("Enter a whole number.")),
        "int_from_float": ("invalid_integer", _("Enter a whole number.")),
        "float_parsing": ("invalid_number", _("Enter a number.")),
        "float_type": ("invalid_number", _("Enter a number.")),
        "bool_parsing": ("invalid_boolean", _("must be true or false")),
        "bool_type": ("invalid_boolean", _("must be true or false")),
        "string_type": ("invalid_string", _("must be text")),
        "literal_error": (
            "invalid_choice",
            _("must be one of %(choices)s") % {"choices": context.get("expected", "")},
        ),
        "list_type": ("invalid_list", _("must be a list")),
        "dict_type": ("object_expected", _("must be a JSON object")),
        "model_type": ("object_expected", _("must be a JSON object")),
    }
    bounds = {
        "greater_than_equal": ("ge", _("must be at least %(limit)s")),
        "less_than_equal": ("le", _("must be at most %(limit)s")),
        "greater_than": ("gt", _("must be more than %(limit)s")),
        "less_than": ("lt", _("must be less than %(limit)s")),
    }
    if kind in bounds:
        name, text = bounds[kind]
        known[kind] = ("out_of_range", text % {"limit": context.get(name)})
    code, message = known.get(kind, (kind or "invalid", item.get("msg", "")))
    return {"code": code, "message": message, "field": ".".join(location) or None}


@api.exception_handler(NinjaValidationError)
def _schema_invalid(request, exc):
    errors = [_schema_error(item) for item in exc.errors]
    return _answer(
        request, 422, errors[0]["message"] if len(errors) == 1 else _("The input is not valid."), errors
    )


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    # ninja answers a body it cannot parse with HttpError(400, "Cannot parse request body");
    # the parser's own complaint is the cause, and says where the JSON breaks.
    if isinstance(exc.__cause__, ValidationError):  # JsonParser: parsed, but not acceptable
        return api.on_exception(request, exc.__cause__)
    if exc.status_code == 400 and exc.__cause__ is not None:
        return _answer(
            request,
            400,
            _("The request body is not valid JSON (%(reason)s).") % {"reason": exc.__cause__},
            code="malformed_body",
        )
    return _answer(request, exc.status_code, str(exc))


@api.exception_handler(MultiPartParserError)
def _malformed_multipart(request, exc):
    # Django raises it from request.FILES (a missing or bad boundary); unhandled it was a 500.
    return _answer(
        request,
        400,
        _("The request body is not valid multipart/form-data (%(reason)s).") % {"reason": exc},
        code="malformed_body",
    )


@api.exception_handler(RequestDataTooBig)
@api.exception_handler(TooManyFieldsSent)
@api.exception_handler(TooManyFilesSent)
def _too_large(request, exc):
    return _answer(
        request,
        413,
        _("The request body is larger than %(size)d MB; send the rows in smaller batches.")
        % {"size": settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024)},
        code="too_large",
    )


from .appraisal import router as appraisal_router  # noqa: E402
from .appraisal_cycle import router as appraisal_cycle_router  # noqa: E402
from .imports import router as imports_router  # noqa: E402
from .kpi import router as kpi_router  # noqa: E402
from .org import router as org_router  # noqa: E402
from .ratings import router as ratings_router  # noqa: E402
from .voice import router as voice_router  # noqa: E402
from .workorders import router as work_orders_router  # noqa: E402

api.add_router("/work-orders", work_orders_router)
api.add_router("/", org_router)
api.add_router("/import", imports_router)
api.add_router("/kpi", kpi_router)
api.add_router("/ratings", ratings_router)
api.add_router("/voice", voice_router)
api.add_router("/appraisal", appraisal_router)
api.add_router("/appraisal", appraisal_cycle_router)
