"""Helpers for the import/export tests: files written to tmp_path and the real command."""

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import translation

ORG_UNITS = """code,name,kind,parent_code
ACME,Acme 新能源,company,
EAST,华东大区,region,ACME
SC1,上海浦东服务中心,service_center,EAST
SC1-T1,机电一组,team,SC1
SC2,杭州服务中心,service_center,EAST
"""

EMPLOYEES = """employee_no,name,position,org_unit,manager_employee_no,hire_date,phone,email,status
M1,王经理,service_manager,SC1,,2019-03-01,13900000001,m1@example.cn,active
F1,李组长,foreman,SC1-T1,M1,2020-05-10,,,
T1,张技师,technician,SC1-T1,F1,2021-07-01,13800000001,,
T2,赵技师,technician,SC1-T1,F1,,,,
A1,钱顾问,service_advisor,SC1,M1,,,,
CS1,孙客服,cs_agent,SC1,M1,,,,
X2,周技师,technician,SC2,,,,,
"""

WORK_ORDERS = """external_id,service_center,type,priority,customer_external_id,customer_name,customer_phone,\
asset_external_id,asset_model,created_at,first_response_at,dispatched_at,accepted_at,started_at,completed_at,\
closed_at,cancelled_at,technician,advisor,difficulty,standard_hours,clocked_hours,labor_amount,resolution,rework_of
WO-1,SC1,repair,high,C1,陈先生,13912345678,LFV2A21K6M3123456,比亚迪 汉 EV,2026-10-01T09:00:00+08:00,\
2026-10-01T09:05:00+08:00,2026-10-01T09:10:00+08:00,2026-10-01T09:20:00+08:00,2026-10-01T10:00:00+08:00,\
2026-10-01T15:00:00+08:00,2026-10-02T10:00:00+08:00,,T1,A1,1.5,2.5,3,300.00,fixed,
WO-2,SC1,maintenance,,C2,吴女士,13700000002,LRW3E7FA5MC000001,特斯拉 Model 3,2026-10-03T08:00:00,,,,,,,,,A1,,,,,,
WO-3,SC1,repair,urgent,C1,陈先生,13912345678,LFV2A21K6M3123456,,2026-10-20T09:00:00+08:00,,\
2026-10-20T09:30:00+08:00,2026-10-20T09:40:00+08:00,2026-10-20T10:00:00+08:00,2026-10-20T16:00:00+08:00,,,T2,A1,,\
,,,fixed,WO-1
WO-4,SC2,diagnosis,low,,,,,,2026-10-05T09:00:00+08:00,,,,,,,2026-10-05T12:00:00+08:00,,,,,,,,
"""

LABOUR_LINES = """work_order_external_id,technician,standard_hours,clocked_hours
WO-3,T2,1.5,2
WO-3,T1,0.5,0.75
"""

SURVEYS = """external_id,work_order_external_id,submitted_at,overall,attitude,quality,speed,nps,comment,channel
S-1,WO-1,2026-10-02T12:00:00+08:00,5,5,4,5,10,师傅很专业,sms
S-2,WO-3,2026-10-21T12:00:00+08:00,2,,,,3,,
"""

FOLLOWUPS = """external_id,work_order_external_id,agent,called_at,reached,satisfied,note
F-1,WO-1,CS1,2026-10-03T10:00:00+08:00,true,5,满意
F-2,WO-3,CS1,2026-10-22T10:00:00+08:00,否,,
"""

COMPLAINTS = """external_id,received_at,work_order_external_id,employee,handler,severity,valid,resolved_at,satisfied_after
K-1,2026-10-21T09:00:00+08:00,WO-3,T2,M1,high,yes,2026-10-23T09:00:00+08:00,true
K-2,2026-10-25T09:00:00+08:00,,,M1,low,0,,
"""

METRIC_FACTS = """indicator,period,value,employee,org_unit
AVAILABLE_HOURS,2026-10,168,T1,
TRAINING_HOURS,2026-10,12.5,T2,
AVAILABLE_HOURS,2026-10,1200,,SC1
"""

FILES = {
    "org_units": ORG_UNITS,
    "employees": EMPLOYEES,
    "work_orders": WORK_ORDERS,
    "labour_lines": LABOUR_LINES,
    "survey_responses": SURVEYS,
    "followups": FOLLOWUPS,
    "complaints": COMPLAINTS,
    "metric_facts": METRIC_FACTS,
}


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


class Runner:
    def __init__(self, tmp_path: Path):
        self.tmp_path = tmp_path

    def file(self, name: str, text: str, encoding: str = "utf-8") -> Path:
        path = self.tmp_path / name
        path.write_bytes(text.encode(encoding))
        return path

    def run(self, kind: str, path: Path, *args: str) -> tuple[int, dict]:
        """Run `servicescore import KIND FILE --format json`; (exit status, report)."""
        out = io.StringIO()
        code = 0
        try:
            call_command("import", kind, str(path), "--format", "json", *args, stdout=out)
        except SystemExit as exit_:
            code = exit_.code
        return code, json.loads(out.getvalue())

    def load(self, *kinds: str) -> None:
        for kind in kinds:
            code, report = self.run(kind, self.file(f"{kind}.csv", FILES[kind]))
            assert code == 0, report["errors"]

    def export(self, kind: str, *args: str) -> str:
        out = io.StringIO()
        call_command("export", kind, *args, stdout=out)
        return out.getvalue()


@pytest.fixture
def runner(tmp_path, db):
    return Runner(tmp_path)


@pytest.fixture
def loaded(runner):
    """Every KIND imported once, in dependency order."""
    runner.load(*FILES)
    return runner
