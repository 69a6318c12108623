"""The demo's fixed vocabulary: places, teams, vehicles, parts, courses and customer words."""

# (code, name, cities) of the regions; the small demo uses the first two.
REGIONS = [
    (
        "EAST",
        "华东大区",
        [("SH", "上海", "沪A"), ("HZ", "杭州", "浙A"), ("NJ", "南京", "苏A"), ("SZ", "苏州", "苏E")],
    ),
    (
        "SOUTH",
        "华南大区",
        [("GZ", "广州", "粤A"), ("SZN", "深圳", "粤B"), ("FS", "佛山", "粤E"), ("XM", "厦门", "闽D")],
    ),
    (
        "NORTH",
        "华北大区",
        [("BJ", "北京", "京A"), ("TJ", "天津", "津A"), ("SJZ", "石家庄", "冀A"), ("JN", "济南", "鲁A")],
    ),
    (
        "WEST",
        "西南大区",
        [("CD", "成都", "川A"), ("CQ", "重庆", "渝A"), ("KM", "昆明", "云A"), ("GY", "贵阳", "贵A")],
    ),
    (
        "CENTRAL",
        "华中大区",
        [("WH", "武汉", "鄂A"), ("CS", "长沙", "湘A"), ("ZZ", "郑州", "豫A"), ("HF", "合肥", "皖A")],
    ),
    (
        "NE",
        "东北大区",
        [("SY", "沈阳", "辽A"), ("DL", "大连", "辽B"), ("CC", "长春", "吉A"), ("HRB", "哈尔滨", "黑A")],
    ),
    (
        "NW",
        "西北大区",
        [("XA", "西安", "陕A"), ("LZ", "兰州", "甘A"), ("YC", "银川", "宁A"), ("WLMQ", "乌鲁木齐", "新A")],
    ),
]
# Rough centre coordinates of the cities, for check-in events.
CITY_COORDS = {
    "SH": (31.23, 121.47),
    "HZ": (30.27, 120.16),
    "NJ": (32.06, 118.80),
    "SZ": (31.30, 120.58),
    "GZ": (23.13, 113.26),
    "SZN": (22.54, 114.06),
    "FS": (23.02, 113.12),
    "XM": (24.48, 118.09),
    "BJ": (39.90, 116.41),
    "TJ": (39.13, 117.20),
    "SJZ": (38.04, 114.51),
    "JN": (36.65, 117.12),
    "CD": (30.57, 104.07),
    "CQ": (29.56, 106.55),
    "KM": (25.04, 102.71),
    "GY": (26.65, 106.63),
    "WH": (30.59, 114.31),
    "CS": (28.23, 112.94),
    "ZZ": (34.75, 113.63),
    "HF": (31.82, 117.23),
    "SY": (41.81, 123.43),
    "DL": (38.91, 121.61),
    "CC": (43.82, 125.32),
    "HRB": (45.80, 126.53),
    "XA": (34.34, 108.94),
    "LZ": (36.06, 103.83),
    "YC": (38.49, 106.23),
    "WLMQ": (43.83, 87.62),
}
DISTRICTS = [
    "浦东",
    "闵行",
    "西湖",
    "滨江",
    "江宁",
    "天河",
    "南山",
    "朝阳",
    "海淀",
    "高新",
    "经开",
    "武侯",
    "江北",
    "洪山",
    "岳麓",
    "金水",
    "包河",
    "浑南",
    "雁塔",
    "城关",
    "新区",
    "工业园",
    "开发区",
    "临港",
]

# Team kinds: code → (name, share of work by order type).
TEAMS = {
    "JD": "机电组",
    "BP": "钣喷组",
    "SD": "三电组",
    "KX": "快修组",
}
# Which team kinds take which order types, in order of preference.
TEAM_FOR_TYPE = {
    "maintenance": ("KX", "JD"),
    "repair": ("JD", "BP", "SD"),
    "diagnosis": ("SD", "JD"),
    "inspection": ("KX", "JD"),
    "consultation": ("JD",),
    "warranty": ("SD", "JD"),
    "installation": ("JD",),
}

# Work-order types: (type, weight, median hours of work, standard hours, difficulty base).
ORDER_TYPES = [
    ("maintenance", 40, 1.2, 1.0, 1.0),
    ("repair", 22, 3.5, 3.0, 1.3),
    ("diagnosis", 10, 1.8, 1.5, 1.4),
    ("warranty", 9, 4.5, 4.0, 1.3),
    ("inspection", 9, 0.8, 0.8, 0.9),
    ("consultation", 5, 0.4, 0.3, 0.8),
    ("installation", 5, 2.5, 2.0, 1.1),
]
PRIORITIES = [("low", 10), ("normal", 70), ("high", 15), ("urgent", 5)]
CHANNELS = [("phone", 30), ("app", 30), ("walk_in", 25), ("online", 8), ("wecom", 7)]

DESCRIPTIONS = {
    "maintenance": [
        "常规保养（首保）",
        "2万公里保养",
        "4万公里保养，更换空调滤芯",
        "年度保养，检查冷却液",
        "制动液更换",
        "冷却液更换",
        "轮胎换位及四轮定位",
    ],
    "repair": [
        "前保险杠刮擦修复",
        "左前门凹陷钣金喷漆",
        "空调不制冷",
        "车窗升降器异响",
        "底盘异响",
        "12V蓄电池亏电无法启动",
        "充电口盖无法打开",
        "后视镜折叠故障",
        "雨刮电机故障",
    ],
    "diagnosis": [
        "仪表提示动力电池故障",
        "充电功率偏低",
        "续航里程明显下降",
        "高压绝缘故障报警",
        "车辆偶发无法上电",
        "电机控制器报故障码",
        "OBC 车载充电机故障排查",
    ],
    "warranty": [
        "动力电池模组索赔更换",
        "电驱总成索赔",
        "中控屏黑屏索赔",
        "热泵空调压缩机索赔",
        "BMS 主板索赔更换",
    ],
    "inspection": ["三电系统定期检测", "动力电池健康度检测", "年检前安全检查", "高压线束绝缘检测"],
    "consultation": ["咨询充电桩安装条件", "咨询电池质保政策", "咨询OTA升级问题", "咨询冬季续航"],
    "installation": ["家用充电桩安装", "充电桩移桩", "行车记录仪加装", "电动尾门加装"],
}
CANCEL_REASONS = ["客户取消预约", "客户改约其他时间", "重复工单", "客户已自行解决", "客户联系不上"]

# (model, WMI, NEV, battery type, weight). WMIs are plausible, not authoritative.
VEHICLES = [
    ("比亚迪 汉 EV", "LGX", True, "LFP", 10),
    ("比亚迪 秦PLUS DM-i", "LGX", True, "LFP", 9),
    ("比亚迪 元PLUS", "LGX", True, "LFP", 7),
    ("比亚迪 海豚", "LGX", True, "LFP", 6),
    ("蔚来 ES6", "LJ1", True, "NCM", 5),
    ("蔚来 ET5", "LJ1", True, "NCM", 4),
    ("理想 L7", "LW4", True, "NCM", 6),
    ("理想 L8", "LW4", True, "NCM", 4),
    ("小鹏 P7", "LMV", True, "NCM", 4),
    ("小鹏 G6", "LMV", True, "LFP", 4),
    ("特斯拉 Model 3", "LRW", True, "LFP", 7),
    ("特斯拉 Model Y", "LRW", True, "LFP", 8),
    ("广汽埃安 AION S", "LNA", True, "LFP", 5),
    ("极氪 001", "L6T", True, "NCM", 3),
    ("问界 M7", "LGW", True, "NCM", 3),
    ("五菱宏光 MINIEV", "LZW", True, "LFP", 5),
    ("大众 ID.4 CROZZ", "LFV", True, "NCM", 2),
    ("丰田 凯美瑞", "LVG", False, "", 3),
    ("本田 雅阁", "LHG", False, "", 2),
]
VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"

# (part no., name, unit price, order types that use it).
PARTS = [
    ("AC-FLT-01", "空调滤芯", "128.00", ("maintenance",)),
    ("CLT-02", "冷却液 4L", "186.00", ("maintenance", "repair")),
    ("BRK-FL-03", "制动液 DOT4", "98.00", ("maintenance",)),
    ("WIP-04", "雨刮片（对）", "156.00", ("maintenance", "repair")),
    ("BAT12-05", "12V 蓄电池", "680.00", ("repair",)),
    ("BMP-F-06", "前保险杠总成", "1850.00", ("repair",)),
    ("PNT-07", "车漆（单面）", "900.00", ("repair",)),
    ("MIR-08", "外后视镜总成", "1260.00", ("repair",)),
    ("WM-09", "雨刮电机", "560.00", ("repair",)),
    ("HVC-10", "高压线束", "2350.00", ("diagnosis", "warranty")),
    ("BMS-11", "BMS 主板", "4200.00", ("warranty",)),
    ("MOD-12", "动力电池模组", "9800.00", ("warranty",)),
    ("OBC-13", "车载充电机", "5600.00", ("warranty", "diagnosis")),
    ("CHG-14", "7kW 家用充电桩", "2999.00", ("installation",)),
    ("CBL-15", "充电线缆 10m", "420.00", ("installation",)),
    ("TYR-16", "轮胎", "880.00", ("repair", "maintenance")),
]

# Archive.
HV_CERTS = ["特种作业操作证（低压电工作业）", "新能源汽车高压电工证"]
OTHER_CERTS = ["机动车维修技术人员从业资格证", "汽车维修工（高级）", "钣金喷漆技能证书", "服务顾问岗位认证"]
COURSES = [
    "高压安全作业规范",
    "动力电池检测与维修",
    "电驱系统原理",
    "热管理系统维修",
    "客户沟通技巧",
    "服务流程标准化",
    "钣金修复工艺",
    "5S 现场管理",
    "索赔政策与流程",
    "配件库存管理",
]
SKILLS = [
    "高压电安全",
    "电池诊断",
    "电机电控",
    "空调热泵",
    "钣金",
    "喷漆",
    "底盘维修",
    "客户沟通",
    "ADAS 标定",
    "故障诊断仪使用",
]
REWARDS = ["客户书面表扬", "月度服务之星", "技能比武一等奖", "合理化建议被采纳", "节约配件成本"]
PENALTIES = ["未按规范穿戴绝缘防护用品", "工单超时未处理", "客户有效投诉", "返修率超标", "迟到早退"]

# Customer voice.
GOOD_COMMENTS = [
    "师傅很专业，讲解清楚",
    "速度快，服务态度好",
    "环境干净，等待区舒适",
    "一次就修好了，点赞",
    "服务顾问很耐心",
    "提前完工，还帮忙洗了车",
    "价格透明，推荐朋友来",
    "技师很细心",
]
MIXED_COMMENTS = ["整体还行，等待时间有点长", "维修质量可以，沟通一般", "价格偏贵", "预约时间没有准时开始"]
BAD_COMMENTS = [
    "等了一整天才修好",
    "修完没几天又出问题了",
    "服务态度差，爱理不理",
    "乱收费，没提前告知",
    "车上有划痕，交车时没说明",
    "打电话一直没人接",
]
FOLLOWUP_NOTES = [
    "客户表示满意",
    "客户反馈车辆使用正常",
    "客户建议缩短等待时间",
    "客户未接听，短信已发送",
    "客户询问下次保养时间",
    "客户对价格有疑问，已解释",
]
COMPLAINT_TOPICS = ["维修后故障复现", "服务态度", "等待时间过长", "费用争议", "车辆损伤"]
PRAISE_NOTES = ["客户送来锦旗", "客户在官方应用上点名表扬", "客户推荐朋友到店", "客户来电感谢"]
