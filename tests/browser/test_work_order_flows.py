"""The two workshop flows in a real browser on a 390×844 phone screen:

- a technician accepts, checks in with a photo (resized in the browser) and the phone's
  location, records labour (an operation from the catalogue and his clocked hours: the
  standard hours are the catalogue's), completes, and sees it all on the timeline;
- a dispatcher assigns a new order from the board in one action, without a page reload.
"""

import io

import pytest
from PIL import Image
from playwright.sync_api import expect

from servicescore.workorders import services
from servicescore.workorders.models import EventPhoto, LabourLine, LabourOperation, WorkOrder

from ..conftest import PASSWORD
from ..factories import AssetFactory, CustomerFactory, WorkOrderFactory
from .conftest import PHONE_VIEWPORT

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, base, username):
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator("form button[type=submit]").click()
    expect(page).to_have_url(f"{base}/")


def camera_photo(size=(2400, 1800)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (30, 120, 200)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def phone(browser):
    """A phone that has granted the page its location (the workshop in Shanghai)."""
    context = browser.new_context(
        viewport=PHONE_VIEWPORT,
        locale="zh-CN",
        permissions=["geolocation"],
        geolocation={"latitude": 31.2304, "longitude": 121.4737},
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_technician_accepts_checks_in_with_photo_records_labour_and_completes(
    phone, live_server, network, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    customer = CustomerFactory(name="陈女士", phone="13912345678")
    order = WorkOrderFactory(
        service_center=network.sc1,
        customer=customer,
        asset=AssetFactory(customer=customer, plate="沪A00001"),
        description="空调不制冷",
    )
    services.assign(order, technician=network.tech, by=network.dispatcher.user)
    LabourOperation.objects.create(code="AC-01", name="空调系统检修", standard_hours="1.50")
    page, base = phone, live_server.url

    log_in(page, base, "t1")
    page.goto(f"{base}/work-orders/mine/")
    card = page.locator(f"[data-order='{order.external_id}']")
    expect(card).to_be_visible()
    card.click()
    expect(page.locator(".ss-phone-page")).to_contain_text("139****5678")  # masked for a technician

    page.locator("[data-next-step=accept]").click()
    expect(page.locator(".ss-phone-page")).to_have_attribute("data-state", "accepted")

    page.set_input_files(
        "#checkin-photos", files=[{"name": "IMG_0001.png", "mimeType": "image/png", "buffer": camera_photo()}]
    )
    expect(page.locator("input[name=latitude]")).not_to_have_value("")
    page.fill("#checkin-note", "已到店，开始检查")
    page.locator("[data-next-step=start]").click()
    expect(page.locator(".ss-phone-page")).to_have_attribute("data-state", "in_progress")

    expect(page.locator("#labour-standard")).to_have_count(0)  # not his to type
    page.select_option("#labour-operation", "AC-01")
    page.fill("#labour-clocked", "1.2")
    page.locator("form[data-work-form=labour] button[type=submit]").click()
    expect(page.locator("li[data-event=labour]")).to_have_count(1)

    page.select_option("#complete-resolution", "fixed")
    page.locator("[data-next-step=complete]").click()
    expect(page.locator(".ss-phone-page")).to_have_attribute("data-state", "completed")

    timeline = page.locator("li[data-event]")
    expect(page.locator("li[data-event=start] img")).to_have_count(1)
    for action in ("dispatch", "accept", "start", "labour", "complete"):
        expect(page.locator(f"li[data-event={action}]")).to_have_count(1)
    expect(timeline.first).to_have_attribute("data-event", "complete")  # newest first

    order.refresh_from_db()
    assert order.state == "completed" and order.resolution == "fixed"
    start = order.events.get(action="start")
    assert (round(float(start.latitude), 4), round(float(start.longitude), 4)) == (31.2304, 121.4737)
    photo = EventPhoto.objects.get(event=start)
    with Image.open(photo.image.path) as stored:  # resized in the browser before the upload
        assert max(stored.size) == 1600 and stored.format == "JPEG"
    line = LabourLine.objects.get(work_order=order)
    assert (str(line.standard_hours), str(line.clocked_hours)) == ("1.50", "1.20")
    assert line.operation.code == "AC-01" and line.standard_source == "catalogue"


def test_dispatcher_assigns_from_the_board_without_a_reload(page, live_server, network):
    waiting = WorkOrderFactory(service_center=network.sc1, priority="urgent")
    base = live_server.url

    log_in(page, base, "d1")
    page.goto(f"{base}/work-orders/board/")
    row = page.locator(f"#board-order-{waiting.pk}")
    expect(row).to_have_attribute("data-state", "new")
    page.evaluate("window.__boardMarker = 'still here'")

    row.locator("select[name=technician]").select_option(str(network.tech.pk))
    row.locator("button[type=submit]").click()

    row = page.locator(f"#board-order-{waiting.pk}")
    expect(row).to_have_attribute("data-state", "dispatched")
    expect(row.locator("[data-current-technician]")).to_contain_text(network.tech.name)
    assert page.evaluate("window.__boardMarker") == "still here"  # swapped in place, no reload
    assert WorkOrder.objects.get(pk=waiting.pk).technician == network.tech
