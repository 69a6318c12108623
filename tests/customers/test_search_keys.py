"""The search keys the database computes on customers and assets (plate without
separators, phone digits and last four, VIN tail reversed), whichever path writes the row:
a plain save, the desk's service, a partial save, the importer, a raw SQL insert."""

import pytest
from django.db import connection

from servicescore.customers.models import Asset, Customer
from servicescore.customers.search import compact, phone_spellings, query_too_short
from servicescore.exchange.importer import run_import
from servicescore.workorders.customers import find_or_create_asset, find_or_create_customer

pytestmark = pytest.mark.django_db


def keys(obj, *names):
    return type(obj).objects.filter(pk=obj.pk).values_list(*names).get()


@pytest.mark.parametrize("plate", ["粤A·F00373", "粤AF00373", "粤a f00373", "粤A-F00373", "粤A•F00373"])
def test_every_spelling_of_a_plate_has_the_same_key(plate):
    asset = Asset.objects.create(external_id="LSVAU2180N2000001", plate=plate)
    assert keys(asset, "plate_key") == ("粤AF00373",)


@pytest.mark.parametrize(
    ("phone", "digits", "last4"),
    [
        ("13912345678", "13912345678", "5678"),
        ("+86 139-1234-5678", "8613912345678", "5678"),
        ("(021) 6234.5678", "02162345678", "5678"),
        ("", "", ""),
    ],
)
def test_a_phone_key_holds_its_digits_and_last_four(phone, digits, last4):
    customer = Customer.objects.create(name="王楠阳", phone=phone)
    assert keys(customer, "phone_key", "phone_last4") == (digits, last4)


def test_the_vin_key_is_the_last_eight_characters_reversed_and_upper_cased():
    asset = Asset.objects.create(external_id="lgxjpn7u900000005")
    assert keys(asset, "vin_key") == ("50000000",)


def test_a_short_serial_number_is_padded_so_that_no_suffix_matches_beyond_it():
    asset = Asset.objects.create(external_id="AB1", kind=Asset.Kind.APPLIANCE)
    assert keys(asset, "vin_key") == ("1BA     ",)


def test_a_plate_changed_at_the_desk_changes_its_key():
    asset = Asset.objects.create(external_id="LSVAU2180N2000001", plate="粤A·F00373")
    find_or_create_asset(by=None, external_id="LSVAU2180N2000001", plate="京B 12345")
    assert keys(asset, "plate_key") == ("京B12345",)


def test_a_customer_filed_at_the_desk_has_phone_keys():
    customer = find_or_create_customer(by=None, name="李成", phone="139 8765 4321")
    assert keys(customer, "phone_key", "phone_last4") == ("13987654321", "4321")


def test_imported_customers_and_vehicles_have_search_keys(tmp_path, network):
    path = tmp_path / "orders.csv"
    path.write_text(
        "external_id,service_center,type,created_at,customer_name,customer_phone,asset_external_id,asset_model\n"
        "IMP-1,SC1,repair,2026-10-05T10:00:00+08:00,新客户,+86 131-0000-0000,LGXJPN7U900000005,ID.4\n",
        encoding="utf-8",
    )
    report = run_import("work_orders", path, name="orders.csv", user=network.hr.user)
    assert not report.errors
    assert keys(Customer.objects.get(name="新客户"), "phone_key", "phone_last4") == ("8613100000000", "0000")
    assert keys(Asset.objects.get(external_id="LGXJPN7U900000005"), "vin_key") == ("50000000",)


def test_rows_written_by_raw_sql_like_the_demos_copy_have_search_keys():
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO customers_asset (external_id, kind, model, plate, is_nev, battery_type, created, modified) "
            "VALUES ('LSVAU2180N2000002', 'vehicle', '', '沪A·D14852', false, '', %s, %s)",
            ["2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z"],
        )
    assert Asset.objects.values_list("plate_key", "vin_key").get() == ("沪AD14852", "2000002N")


@pytest.mark.parametrize(
    ("text", "too_short"),
    [
        ("王", True),
        ("粤A", True),
        ("ab", True),
        ("1·2", True),
        ("张伟", False),
        ("abc", False),
        ("5678", False),
    ],
)
def test_queries_under_three_characters_are_too_short_except_a_two_character_name(text, too_short):
    assert query_too_short(text) is too_short


def test_a_query_is_compacted_like_the_stored_keys():
    assert compact(" 粤a·f 003-73 ") == "粤AF00373"


def test_a_phone_is_tried_with_and_without_the_country_code():
    assert phone_spellings("13912345678") == ["13912345678", "8613912345678"]
    assert phone_spellings("8613912345678") == ["13912345678", "8613912345678"]


def test_the_demos_bulk_load_fills_the_search_keys():
    """The large demo's writers (COPY on PostgreSQL, executemany on SQLite) name their
    columns; the database computes the keys of every row they load."""
    import datetime

    from servicescore.demo.builder import build_demo

    build_demo("tiny-large", seed=11, anchor=datetime.date(2026, 3, 15))
    asset = Asset.objects.exclude(plate="").order_by("pk").first()
    customer = Customer.objects.exclude(phone="").order_by("pk").first()
    assert asset.plate_key == compact(asset.plate)
    assert asset.vin_key == asset.external_id[-8:].upper()[::-1]
    assert (customer.phone_key, customer.phone_last4) == (customer.phone, customer.phone[-4:])
