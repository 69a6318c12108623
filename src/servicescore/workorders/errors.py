"""The error codes of work orders (core/errors.py): what the services and the policy raise,
each declared once with its status and meaning. The pages show the message, the API answers
`{code, message, field}` with the status, and docs/api.md lists them (`servicescore errors`).
"""

from django.utils.translation import gettext as _

from servicescore.core.errors import Conflict, Invalid, NotFound, Refused, declare

AREA = "work orders"

# --- who may -------------------------------------------------------------------------------
ROLE_NOT_ALLOWED = declare(
    "role_not_allowed", Refused, "The caller's role may not take this action on a work order.", area=AREA
)
CENTRE_NOT_ALLOWED = declare(
    "service_center_not_allowed",
    Refused,
    "The caller may not open work orders at this service centre.",
    area=AREA,
)
CUSTOMER_MASTER_DATA = declare(
    "customer_master_data",
    Refused,
    "Only HR or an administrator may change the name or phone of a customer on file.",
    area=AREA,
)

# --- the state and the record ----------------------------------------------------------------
WRONG_STATE = declare(
    "wrong_state",
    Invalid,
    "The work order's state does not allow this action (completing a new order, editing a closed one).",
    area=AREA,
)
WORK_ORDER_CHANGED = declare(
    "work_order_changed",
    Conflict,
    "Someone changed the work order after the caller read it (a stale `version`, or it was "
    "dispatched meanwhile); the message says who and what. Nothing was written.",
    area=AREA,
)
LINE_NOT_FOUND = declare(
    "line_not_found", NotFound, "No such labour or parts line on this work order.", area=AREA
)
UNKNOWN_ACTION = declare("unknown_action", Invalid, "No work-order action has this name.", area=AREA)
NOT_EDITABLE = declare(
    "not_editable", Invalid, "The field cannot be changed through this entry point.", area=AREA
)
DUPLICATE_EXTERNAL_ID = declare(
    "duplicate_external_id", Invalid, "A work order with this external id already exists.", area=AREA
)
COMEBACK_CYCLE = declare(
    "comeback_cycle",
    Invalid,
    "The comeback link would make a cycle (the order itself or one of its own comebacks).",
    area=AREA,
)
TIMESTAMP_ORDER = declare(
    "timestamp_order",
    Invalid,
    "A lifecycle time is earlier than the stage before it, or than the creation time.",
    area=AREA,
)

# --- what the input must give -----------------------------------------------------------------
SERVICE_CENTER_REQUIRED = declare(
    "service_center_required", Invalid, "A work order needs a service centre.", area=AREA
)
TECHNICIAN_REQUIRED = declare(
    "technician_required",
    Invalid,
    "Dispatching, and completing, need a lead technician.",
    area=AREA,
)
RESOLUTION_REQUIRED = declare("resolution_required", Invalid, "Completing needs a resolution.", area=AREA)
REASON_REQUIRED = declare("reason_required", Invalid, "Cancelling or reopening needs a reason.", area=AREA)
NOTE_REQUIRED = declare("note_required", Invalid, "A note needs text or a photo.", area=AREA)
ALREADY_ASSIGNED = declare(
    "already_assigned", Invalid, "The work order is already assigned to this technician.", area=AREA
)
NEGATIVE_HOURS = declare("negative_hours", Invalid, "Labour hours cannot be negative.", area=AREA)
PART_NO_REQUIRED = declare("part_no_required", Invalid, "A parts line needs a part number.", area=AREA)
PART_NAME_REQUIRED = declare("part_name_required", Invalid, "A parts line needs a part name.", area=AREA)
QUANTITY_NOT_POSITIVE = declare(
    "quantity_not_positive", Invalid, "A parts line's quantity must be more than 0.", area=AREA
)
NEGATIVE_UNIT_PRICE = declare(
    "negative_unit_price", Invalid, "A parts line's unit price cannot be negative.", area=AREA
)

# --- labour: the catalogue's standard hours (workorders/catalogue.py, policy.py) ---------------
UNKNOWN_LABOUR_OPERATION = declare(
    "unknown_labour_operation", Invalid, "No labour operation in the catalogue has this code.", area=AREA
)
LABOUR_OPERATION_NOT_FOR_MODEL = declare(
    "labour_operation_not_for_model",
    Invalid,
    "The operation has no catalogue row for the work order's vehicle model or category, nor one for all.",
    area=AREA,
)
LABOUR_OPERATION_NOT_YET_VALID = declare(
    "labour_operation_not_yet_valid",
    Invalid,
    "The operation's catalogue rows for the work order's model take effect after the order's date.",
    area=AREA,
)
STANDARD_HOURS_REQUIRED = declare(
    "standard_hours_required",
    Invalid,
    "A labour line needs an operation from the catalogue or, from a foreman or service advisor, "
    "standard hours.",
    area=AREA,
)
STANDARD_HOURS_NOT_ALLOWED = declare(
    "standard_hours_not_allowed",
    Refused,
    "The caller's role may not set standard hours: a technician's come from the catalogue.",
    area=AREA,
)
OWN_STANDARD_HOURS = declare(
    "own_standard_hours",
    Refused,
    "Nobody sets or overrides the standard hours of his own labour line.",
    area=AREA,
)
OVERRIDE_REASON_REQUIRED = declare(
    "override_reason_required",
    Invalid,
    "Standard hours that differ from the catalogue's need a reason.",
    area=AREA,
)

# --- the people named on an order -------------------------------------------------------------
EMPLOYEE_LEFT = declare("employee_left", Invalid, "The employee named has left the company.", area=AREA)
NOT_A_TECHNICIAN = declare(
    "not_a_technician",
    Invalid,
    "Only a technician or a foreman can be assigned a work order.",
    area=AREA,
)
OTHER_SERVICE_CENTER = declare(
    "other_service_center",
    Invalid,
    "The employee named works at another service centre than the work order's.",
    area=AREA,
)

# --- check-in: location and photos ------------------------------------------------------------
LOCATION_INCOMPLETE = declare(
    "location_incomplete", Invalid, "Give both latitude and longitude, or neither.", area=AREA
)
LOCATION_NOT_A_NUMBER = declare(
    "location_not_a_number", Invalid, "A latitude or longitude is not a number.", area=AREA
)
LOCATION_OUT_OF_RANGE = declare(
    "location_out_of_range",
    Invalid,
    "A latitude is outside [-90, 90] or a longitude outside [-180, 180].",
    area=AREA,
)
TOO_MANY_PHOTOS = declare("too_many_photos", Invalid, "Too many photos at a time.", area=AREA)
PHOTO_TOO_LARGE = declare(
    "photo_too_large", Invalid, "A photo is larger than the site allows (PHOTO_MAX_BYTES).", area=AREA
)
# core/uploads.py raises these two; a work order's photos keep its codes.
NOT_A_PHOTO = declare("not_a_photo", Invalid, "An upload is not a JPEG, PNG, WebP or GIF image.", area=AREA)
TOO_MANY_PIXELS = declare(
    "too_many_pixels",
    Invalid,
    "An image has more pixels than the site allows (UPLOAD_MAX_PIXELS).",
    area=AREA,
)

# --- customers and vehicles named at the desk -------------------------------------------------
# 422, not 404: the id is a value of the request body, not the record the URL names; the
# message never says whether the record exists.
CUSTOMER_NOT_VISIBLE = declare(
    "customer_not_visible",
    Invalid,
    "No customer with this id is visible to the caller (it may not exist, or be another centre's).",
    area=AREA,
)
ASSET_NOT_VISIBLE = declare(
    "asset_not_visible",
    Invalid,
    "No vehicle or appliance with this VIN or serial no. is visible to the caller.",
    area=AREA,
)


class WorkOrderConflict(Conflict):
    """Someone else changed the work order after the user loaded it; nothing was written."""

    default_code = WORK_ORDER_CHANGED


def wrong_state(order, action_label) -> Invalid:
    """The refusal of an action the order's state does not allow."""
    return Invalid(
        _("Cannot %(action)s work order %(id)s: it is %(state)s.")
        % {"action": action_label, "id": order.external_id, "state": order.get_state_display()},
        code=WRONG_STATE,
    )
