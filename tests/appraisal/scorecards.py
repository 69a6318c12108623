"""Scorecards built directly (as `kpi.services.recompute.recompute_period` stores them), shared by
the scorecard page and team view tests."""

import datetime

from django.conf import settings
from django.utils import timezone

from ..factories import ScorecardFactory, TemplateVersionFactory

CST = datetime.timezone(datetime.timedelta(hours=8))


def at(text):
    """A local (Asia/Shanghai) time 'MM-DD HH:MM' in 2026."""
    return datetime.datetime.strptime(f"2026-{text}", "%Y-%m-%d %H:%M").replace(tzinfo=CST)


def line(indicator, kind="scored", **fields):
    """One scorecard item as appraisal.scoring stores it."""
    base = {
        "item": None,
        "indicator": indicator,
        "label": "",
        "kind": kind,
        "rule": "linear",
        "unit": "%",
        "direction": "up",
        "value": None,
        "raw_value": None,
        "numerator": None,
        "denominator": None,
        "sample": 0,
        "shrunk": False,
        "prior": None,
        "k": None,
        "target": None,
        "threshold": None,
        "cap": 100.0,
        "no_data": False,
        "no_data_policy": "reweight",
        "points": None,
        "weight": 0.0,
        "effective_weight": 0.0,
        "contribution": 0.0,
        "adjustment": 0.0,
        "vetoed": False,
        "note": "",
    }
    base.update(fields)
    return base


TECHNICIAN_ITEMS = [
    line(
        "FTFR",
        value=80.0,
        raw_value=100.0,
        numerator=3,
        denominator=3,
        sample=3,
        shrunk=True,
        prior=75.0,
        k=10.0,
        target=90.0,
        threshold=60.0,
        points=66.67,
        weight=60.0,
        effective_weight=100.0,
        contribution=66.67,
    ),
    line("CSAT", no_data=True, weight=40.0, note="no data: left out, the other weights are scaled up"),
    line("PRAISE_COUNT", kind="bonus", unit="count", value=2, numerator=2, adjustment=4.0),
    line(
        "COMPLAINT_RATE",
        kind="deduction",
        unit="per 100",
        direction="down",
        value=25.0,
        numerator=1,
        denominator=4,
        adjustment=-5.0,
    ),
    line("SAFETY_VIOLATIONS", kind="veto", unit="count", value=0),
]


def english(client):
    """Pages in English, so that labels can be asserted (the site default is zh-Hans)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def technician_version():
    return TemplateVersionFactory(template__name="技师考核方案", template__position="technician")


def scorecard(
    employee,
    version,
    *,
    period="2026-10",
    final=88.0,
    grade="A",
    vetoed=False,
    items=None,
    base=None,
    adjustment=0.0,
    provisional=False,
    insufficient=False,
):
    return ScorecardFactory(
        provisional=provisional,
        insufficient_data=insufficient,
        employee=employee,
        version=version,
        period=period,
        base_score=final if base is None else base,
        adjustment=adjustment,
        final_score=final,
        grade=grade,
        vetoed=vetoed,
        items=TECHNICIAN_ITEMS if items is None else items,
        computed_at=timezone.now(),
    )
