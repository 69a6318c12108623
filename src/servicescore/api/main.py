"""The REST API: django-ninja, OpenAPI 3 at /api/docs (schema at /api/openapi.json).

Every router reads through core.scope (out of scope → 404, so ids cannot be probed),
writes through the domain services, and answers errors as
`{"detail": "...", "errors": [{"field": "...", "message": "..."}]}`.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as NinjaValidationError

from servicescore.workorders.services import WorkOrderConflict

from .auth import ApiRejected
from .common import field_errors

api = NinjaAPI(
    title="ServiceScore API",
    version="1",
    description=(
        "Work orders, people, KPI results and scorecards, and bulk import for ServiceScore (售后绩效). "
        "Authenticate with `Authorization: Bearer ss_…` (a token an administrator creates, with the "
        "scopes read, write, import) or the browser session. Records outside the caller's data scope "
        "answer 404. See docs/api.md."
    ),
    urls_namespace="api",
    docs_url="/docs",
)


def _answer(request, status, detail, errors=(), headers=None):
    response = api.create_response(request, {"detail": detail, "errors": list(errors)}, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


@api.exception_handler(ApiRejected)
def _rejected(request, exc: ApiRejected):
    return _answer(request, exc.status, exc.message, headers=exc.headers)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    return _answer(request, 401, _("Authentication required: send a bearer token or log in."))


@api.exception_handler(Http404)
def _not_found(request, exc):
    return _answer(request, 404, _("Not found."))


@api.exception_handler(PermissionDenied)
def _forbidden(request, exc):
    return _answer(request, 403, str(exc) or _("Not allowed."))


@api.exception_handler(WorkOrderConflict)
def _conflict(request, exc):
    return _answer(request, 409, " ".join(exc.messages), field_errors(exc))


@api.exception_handler(ValidationError)
def _invalid(request, exc):
    errors = field_errors(exc)
    return _answer(
        request, 422, errors[0]["message"] if len(errors) == 1 else _("The input is not valid."), errors
    )


@api.exception_handler(NinjaValidationError)
def _schema_invalid(request, exc):
    errors = []
    for item in exc.errors:
        location = [
            str(part) for part in item.get("loc", ()) if part not in ("body", "query", "path", "payload")
        ]
        errors.append({"field": ".".join(location), "message": item.get("msg", "")})
    return _answer(request, 422, _("The input is not valid."), errors)


from .imports import router as imports_router  # noqa: E402
from .kpi import router as kpi_router  # noqa: E402
from .org import router as org_router  # noqa: E402
from .workorders import router as work_orders_router  # noqa: E402

api.add_router("/work-orders", work_orders_router)
api.add_router("/", org_router)
api.add_router("/import", imports_router)
api.add_router("/kpi", kpi_router)
