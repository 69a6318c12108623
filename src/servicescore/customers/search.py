"""Finding customers and assets as people type them at a desk.

A query is tried as each thing it could be, each an index lookup on the search keys
customers/models.py stores (none scans a table):

- a plate with or without its middle dot or spaces ("粤A·F00373" = "粤AF00373" =
  "粤a f00373"): `plate_key`, whole or its start; or its end, typed without the
  province's character ("AF00373", "F00373": a trigram index on PostgreSQL);
- a VIN or serial no.: its start, or its last 6 to 8 characters (`vin_key`, reversed);
- a phone number: its last four digits (`phone_last4`), or the whole number with or without
  separators and +86 (`phone_key`) — the whole number only for the roles that see phone
  numbers whole (a search would otherwise reveal them, as in the admin);
- a customer's name: two characters at its start or end (a surname and given character,
  or a given name), three or more anywhere in it (a trigram index on PostgreSQL).

The callers filter work orders by the ids found and ask the scope for those; the ids alone
reveal nothing.
"""

from dataclasses import dataclass

from django.db.models import Q
from django.db.models.functions import Upper

from .models import PHONE_SEPARATORS, PLATE_SEPARATORS, VIN_KEY_LENGTH, Asset, Customer

# Shorter queries match too much to be useful (and would scan); two Chinese characters
# are a whole name, so they pass.
MIN_QUERY_LENGTH = 3
# At most this many customers and assets per query: a search narrows to a person or a car.
MATCH_LIMIT = 500
VIN_SUFFIX_MIN = 6
PHONE_MIN_DIGITS = 7
PLATE_PREFIX_MIN = 5
# A plate typed without its province's character: its last 5 to 7 letters and digits.
PLATE_SUFFIX_LENGTHS = range(5, 8)
SEPARATORS = str.maketrans("", "", "".join(set(PLATE_SEPARATORS) | set(PHONE_SEPARATORS)))


def compact(text: str) -> str:
    """The query without separators, upper-cased: the spelling of the stored keys."""
    return text.strip().translate(SEPARATORS).upper()


def _is_cjk(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff" or "\u3400" <= char <= "\u4dbf"


def query_too_short(text: str) -> bool:
    """Whether a query is too short to search for (fewer than three characters, unless two
    Chinese characters: a whole name)."""
    key = compact(text)
    if len(key) >= MIN_QUERY_LENGTH:
        return False
    return not (len(key) == 2 and all(_is_cjk(char) for char in key))


def phone_spellings(digits: str) -> list[str]:
    """A phone number as it may be stored: with and without the +86 country code."""
    spellings = {digits}
    if digits.startswith("86") and len(digits) >= 13:
        spellings.add(digits[2:])
    elif not digits.startswith("86"):
        spellings.add(f"86{digits}")
    return sorted(spellings)


def customer_query(text: str, *, full_phone: bool) -> Q | None:
    """The customers a query names (by name or phone), or None when it can name none."""
    term, key = text.strip(), compact(text)
    q = Q()
    if key.isdigit() and key.isascii():
        if len(key) == 4:
            q |= Q(phone_last4=key)
        elif full_phone and len(key) >= PHONE_MIN_DIGITS:
            for spelling in phone_spellings(key):
                q |= Q(phone_key__startswith=spelling)
    if not term.isdigit():
        if len(term) < MIN_QUERY_LENGTH:
            # A two-character part of a name: its start (surname and first given character)
            # or its end (the given name); a part in the middle has no trigram to look up.
            q |= Q(name__startswith=term) | Q(name_upper__endswith=term.upper())
        else:
            q |= Q(name_upper__contains=term.upper())
    return q or None


def asset_query(text: str) -> Q | None:
    """The vehicles and appliances a query names (by plate, VIN or serial no.), or None."""
    term, key = text.strip(), compact(text)
    if len(key) < MIN_QUERY_LENGTH:
        return None
    # An appliance's serial no. may hold any character: it is matched exactly as typed.
    q = Q(plate_key=key) | Q(external_id__in=sorted({term, term.upper()}))
    if len(key) >= PLATE_PREFIX_MIN and not key.isdigit():
        q |= Q(plate_key__startswith=key)
    if (
        len(key) in PLATE_SUFFIX_LENGTHS
        and key.isascii()
        and key.isalnum()
        and any(c.isdigit() for c in key)
        and any(c.isalpha() for c in key)
    ):
        q |= Q(plate_key__endswith=key)
    if key.isalnum() and key.isascii() and len(key) >= VIN_SUFFIX_MIN:
        for spelling in sorted({term, key}):
            q |= Q(external_id__startswith=spelling)
        if len(key) <= VIN_KEY_LENGTH:
            q |= Q(vin_key__startswith=key[::-1])
    return q


@dataclass(frozen=True)
class Matches:
    customer_ids: list[int]
    asset_ids: list[int]

    @property
    def truncated(self) -> bool:
        """More than MATCH_LIMIT customers or assets matched; only the first are used."""
        return len(self.customer_ids) > MATCH_LIMIT or len(self.asset_ids) > MATCH_LIMIT


def matching_customers_and_assets(text: str, *, full_phone: bool) -> Matches:
    """The ids of the customers and assets a query names (at most MATCH_LIMIT + 1 of each,
    the extra one saying that there were more); two indexed queries."""
    if query_too_short(text):
        return Matches([], [])
    customers: list[int] = []
    by_customer = customer_query(text, full_phone=full_phone)
    if by_customer is not None:
        customers = list(
            Customer.objects.alias(name_upper=Upper("name"))
            .filter(by_customer)
            .order_by()
            .values_list("pk", flat=True)[: MATCH_LIMIT + 1]
        )
    assets: list[int] = []
    by_asset = asset_query(text)
    if by_asset is not None:
        assets = list(
            Asset.objects.filter(by_asset).order_by().values_list("pk", flat=True)[: MATCH_LIMIT + 1]
        )
    return Matches(customers, assets)
