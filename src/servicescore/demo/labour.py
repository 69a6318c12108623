"""The demo's labour-operation catalogue (工时定额): a few common jobs for every model, and
rows of their own for models where the job takes longer (workorders/catalogue.py picks the
model's row first). The demo's work orders keep the hours they were entered with; the
catalogue is there for the pages, the phone and new labour lines."""

import datetime
from decimal import Decimal

from .catalog import VEHICLES

VALID_FROM = datetime.date(2024, 1, 1)

# (code, name, standard hours for all models, note)
OPERATIONS = [
    ("MNT-01", "常规保养（含检查）", "1.00", ""),
    ("MNT-02", "空调滤芯更换", "0.30", ""),
    ("MNT-03", "制动液更换", "0.80", ""),
    ("BRK-01", "前刹车片更换", "1.20", ""),
    ("BRK-02", "后刹车片更换", "1.40", ""),
    ("TYR-01", "轮胎更换（单条）", "0.40", ""),
    ("TYR-02", "四轮定位", "0.80", ""),
    ("BAT-01", "12V 蓄电池更换", "0.50", ""),
    ("HV-01", "高压系统绝缘检测", "1.00", "持高压电工证作业"),
    ("HV-02", "动力电池模组更换", "6.00", "持高压电工证作业"),
    ("HV-03", "BMS 主板更换", "3.00", "持高压电工证作业"),
    ("DIA-01", "故障诊断（读码与分析）", "1.00", ""),
    ("ADAS-01", "ADAS 摄像头标定", "1.50", ""),
    ("BDY-01", "前保险杠拆装", "2.00", ""),
    ("INS-01", "家用充电桩安装", "3.00", "含现场勘测"),
]
# Jobs that take longer on some models: (code, model, hours).
MODEL_ROWS = [
    ("BRK-01", "蔚来 ES6", "1.50"),
    ("BRK-01", "理想 L8", "1.60"),
    ("HV-02", "蔚来 ET5", "7.50"),
    ("HV-02", "特斯拉 Model Y", "5.50"),
    ("ADAS-01", "小鹏 G6", "2.00"),
    ("MNT-01", "丰田 凯美瑞", "1.50"),
    ("MNT-01", "本田 雅阁", "1.50"),
]


def labour_operation_rows() -> list[dict]:
    """The catalogue's rows as field values; the models named are the demo's own."""
    models = {vehicle[0] for vehicle in VEHICLES}
    names = {code: name for code, name, _hours, _note in OPERATIONS}
    rows = [
        {
            "code": code,
            "name": name,
            "standard_hours": Decimal(hours),
            "category": "",
            "valid_from": VALID_FROM,
            "note": note,
        }
        for code, name, hours, note in OPERATIONS
    ]
    rows += [
        {
            "code": code,
            "name": names[code],
            "standard_hours": Decimal(hours),
            "category": model,
            "valid_from": VALID_FROM,
            "note": "",
        }
        for code, model, hours in MODEL_ROWS
        if model in models
    ]
    return rows


def write_labour_operations() -> int:
    """Create or update the demo's catalogue rows (rows added by hand stay); returns how many."""
    from servicescore.workorders.models import LabourOperation

    rows = labour_operation_rows()
    for row in rows:
        key = {"code": row["code"], "category": row["category"]}
        LabourOperation.objects.update_or_create(
            **key, defaults={k: v for k, v in row.items() if k not in key}
        )
    return len(rows)
