"""Shared fixtures: a small service network with one person per role.

ACME (company)
└── EAST (region)
    ├── SC1 (service centre) ── SC1-T1 (team), SC1-T2 (team)
    └── SC2 (service centre) ── SC2-T1 (team)
"""

import os
import tempfile
from pathlib import Path
from types import SimpleNamespace

import pytest

from servicescore.core.roles import ROLE_OF_POSITION, Role

from .factories import EmployeeFactory, OrgUnitFactory, UserFactory

PASSWORD = "pass-1234"


def pytest_configure(config):
    from django.conf import settings

    # Hashing is deliberately slow; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Recomputing KPIs on every factory save would slow every test and blur query counts;
    # tests/kpi/test_recompute.py switches it on.
    settings.KPI_AUTO_RECOMPUTE = False
    # Recording users' devices writes on a session's first request and would shift every
    # page's query count; tests/core/test_devices.py switches it on.
    settings.RECORD_USER_DEVICES = False


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """Give each test process its own test database, so that two suites run at once (a
    developer's and CI's) cannot collide. SQLite tests use a file, not shared-cache memory,
    so that concurrent transactions lock and wait as they do in production."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    db.setdefault("TEST", {})
    if db["ENGINE"].endswith("postgresql"):
        db["TEST"]["NAME"] = f"test_{db['NAME']}_{os.getpid()}"
    elif db["ENGINE"].endswith("sqlite3"):
        db["TEST"]["NAME"] = str(Path(tempfile.gettempdir()) / f"servicescore-test-{os.getpid()}.sqlite3")


@pytest.fixture
def network(db):
    company = OrgUnitFactory(code="ACME", name="Acme 新能源", kind="company")
    region = OrgUnitFactory(code="EAST", name="华东大区", kind="region", parent=company)
    sc1 = OrgUnitFactory(code="SC1", name="上海浦东服务中心", kind="service_center", parent=region)
    sc2 = OrgUnitFactory(code="SC2", name="杭州服务中心", kind="service_center", parent=region)
    t11 = OrgUnitFactory(code="SC1-T1", name="机电一组", kind="team", parent=sc1)
    t12 = OrgUnitFactory(code="SC1-T2", name="机电二组", kind="team", parent=sc1)
    t21 = OrgUnitFactory(code="SC2-T1", name="杭州一组", kind="team", parent=sc2)

    def person(no, position, unit, manager=None, role=None):
        user = UserFactory(username=no.lower(), role=role or ROLE_OF_POSITION[position])
        return EmployeeFactory(
            employee_no=no,
            name=f"员工{no}",
            position=position,
            org_unit=unit,
            manager=manager,
            user=user,
        )

    manager = person("M1", "service_manager", sc1)
    foreman = person("F1", "foreman", t11, manager)
    net = SimpleNamespace(
        company=company,
        region=region,
        sc1=sc1,
        sc2=sc2,
        t11=t11,
        t12=t12,
        t21=t21,
        manager=manager,
        foreman=foreman,
        tech=person("T1", "technician", t11, foreman),
        tech_colleague=person("T2", "technician", t11, foreman),
        tech_other_team=person("T3", "technician", t12, manager),
        tech_sc2=person("T4", "technician", t21),
        advisor=person("A1", "service_advisor", sc1, manager),
        dispatcher=person("D1", "dispatcher", sc1, manager),
        hr=person("H1", "hr", company),
        cs_agent=person("CS1", "cs_agent", sc1, manager),
    )
    net.auditor = UserFactory(username="auditor", role=Role.AUDITOR)
    net.regional_manager = person("RM1", "service_manager", region)
    return net


def login(client, employee_or_user):
    user = getattr(employee_or_user, "user", employee_or_user)
    client.force_login(user)
    return user


@pytest.fixture
def october(network):
    """Four completed work orders in October in two centres (tests/kpi/october.py): what the
    recompute tests of kpi and appraisal store and score."""
    from .kpi.october import october_orders

    october_orders(network)
    return network
