"""Default policy parameters, the engine's programmes and the inspection checklists
(idempotent). Migration 0002 writes the parameters and checklists; `ensure_defaults` is run
by the demo step, the claim run and the tests.

Nanhai's subsidy rates are not public: every rate is an illustrative value (示例值), chosen
near the examples from elsewhere in the project's reference data, and must be confirmed
against 《南海区养老机构管理和民办养老机构扶持办法》 and the 社区幸福院 measures before production.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from minzheng.core.models import PolicyParameter
from minzheng.core.services import parameters_ensure_defaults

from .rules import CONSTRUCTION_PROGRAMME, HOUSE_PROGRAMME, OPERATING_PROGRAMME

D = PolicyParameter.ValueType.DECIMAL
I = PolicyParameter.ValueType.INTEGER  # noqa: E741
START = dt.date(2016, 1, 1)
NOT_FOUND = (
    "示例值：《南海区养老机构管理和民办养老机构扶持办法》《南海区社区幸福院建设和运营管理办法"
    "（2021年修订）》的补贴标准未找到公开文本，上线前须按正式文件核定"
)
ELSEWHERE = NOT_FOUND + "；数值参照外地做法（运营补贴约200元/床·月，按护理等级上浮50%、100%、200%）"
BEDS_ELSEWHERE = NOT_FOUND + "；数值参照外地做法（新增床位2,000–5,000元/张）"
ABSENCE = "示例值：参照外地监管做法（老人离院满15天的补贴申报予以标记）；南海区规定未找到"

# key, name, value, type, unit, valid_from, source, illustrative
PARAMETERS = [
    (
        "ec_operating_base",
        "民办养老机构运营补贴·基本标准",
        "200",
        D,
        "元/床·月",
        START,
        ELSEWHERE,
        True,
    ),
    ("ec_operating_care_0", "运营补贴上浮·能力完好", "0", D, "%", START, ELSEWHERE, True),
    ("ec_operating_care_1", "运营补贴上浮·轻度失能", "0", D, "%", START, ELSEWHERE, True),
    ("ec_operating_care_2", "运营补贴上浮·中度失能", "50", D, "%", START, ELSEWHERE, True),
    ("ec_operating_care_3", "运营补贴上浮·重度失能", "100", D, "%", START, ELSEWHERE, True),
    ("ec_operating_care_4", "运营补贴上浮·完全失能", "200", D, "%", START, ELSEWHERE, True),
    ("ec_operating_grade_0", "运营补贴上浮·未评等级", "0", D, "%", START, NOT_FOUND, True),
    ("ec_operating_grade_1", "运营补贴上浮·一级机构", "0", D, "%", START, NOT_FOUND, True),
    ("ec_operating_grade_2", "运营补贴上浮·二级机构", "0", D, "%", START, NOT_FOUND, True),
    ("ec_operating_grade_3", "运营补贴上浮·三级机构", "10", D, "%", START, NOT_FOUND, True),
    ("ec_operating_grade_4", "运营补贴上浮·四级机构", "20", D, "%", START, NOT_FOUND, True),
    ("ec_operating_grade_5", "运营补贴上浮·五级机构", "30", D, "%", START, NOT_FOUND, True),
    (
        "ec_absence_flag_days",
        "离院标记天数（当月离院满此天数不予补贴）",
        "15",
        I,
        "天",
        START,
        ABSENCE,
        True,
    ),
    (
        "ec_construction_general",
        "新增普通床位一次性建设补贴",
        "2000",
        D,
        "元/张",
        START,
        BEDS_ELSEWHERE,
        True,
    ),
    (
        "ec_construction_nursing",
        "新增护理型床位一次性建设补贴",
        "5000",
        D,
        "元/张",
        START,
        BEDS_ELSEWHERE,
        True,
    ),
    ("ec_house_subsidy_A", "社区幸福院运营补贴·优秀", "100000", D, "元/年", START, NOT_FOUND, True),
    ("ec_house_subsidy_B", "社区幸福院运营补贴·良好", "80000", D, "元/年", START, NOT_FOUND, True),
    ("ec_house_subsidy_C", "社区幸福院运营补贴·合格", "50000", D, "元/年", START, NOT_FOUND, True),
    ("ec_house_subsidy_D", "社区幸福院运营补贴·不合格", "0", D, "元/年", START, NOT_FOUND, True),
    ("ec_house_grade_A", "社区幸福院评级·优秀分数线", "90", D, "分", START, NOT_FOUND, True),
    ("ec_house_grade_B", "社区幸福院评级·良好分数线", "80", D, "分", START, NOT_FOUND, True),
    ("ec_house_grade_C", "社区幸福院评级·合格分数线", "60", D, "分", START, NOT_FOUND, True),
]

# code, name, applicant kind, rules key, order, description
PROGRAMMES = [
    (
        OPERATING_PROGRAMME,
        "民办养老机构运营补贴",
        OPERATING_PROGRAMME,
        51,
        "按月按入住老人计算，逐人说明天数与标准，经账务拨付至机构。",
    ),
    (
        CONSTRUCTION_PROGRAMME,
        "民办养老机构新增床位建设补贴",
        CONSTRUCTION_PROGRAMME,
        52,
        "按新增床位类型一次性补贴。",
    ),
    (HOUSE_PROGRAMME, "社区幸福院运营补贴", HOUSE_PROGRAMME, 53, "按上年度评级确定当年补贴。"),
]

# Inspection types and their checklists: data, editable in the admin.
CHECKLISTS = {
    ("epidemic", "疫情防控"): [
        ("E1", "出入口测温、扫码、登记制度落实"),
        ("E2", "探访管理（预约、限时、限人数）落实"),
        ("E3", "工作人员健康监测与核酸检测记录完整"),
        ("E4", "防护物资储备满足需要"),
        ("E5", "隔离观察区设置规范"),
        ("E6", "公共区域定时消毒并记录"),
    ],
    ("fire", "消防安全"): [
        ("F1", "消防通道、安全出口畅通"),
        ("F2", "灭火器、消防栓完好有效"),
        ("F3", "电气线路无私拉乱接"),
        ("F4", "定期开展消防演练并记录"),
    ],
    ("food", "食品安全"): [
        ("S1", "食品经营许可证在有效期内"),
        ("S2", "从业人员健康证齐全"),
        ("S3", "食品留样48小时并记录"),
        ("S4", "餐具消毒设施正常使用"),
    ],
    ("quality", "服务质量"): [
        ("Q1", "入住评估与服务协议齐全"),
        ("Q2", "护理人员配备符合要求"),
        ("Q3", "老人个人卫生与居室整洁"),
        ("Q4", "服务收费公示规范"),
    ],
}


def ensure_parameters() -> int:
    return parameters_ensure_defaults(PARAMETERS)


def ensure_checklists(inspection_type_model=None, item_model=None) -> int:
    """Create the shipped inspection types and items that do not exist yet."""
    from .models import ChecklistItem, InspectionType

    type_model = inspection_type_model or InspectionType
    item_model = item_model or ChecklistItem
    created = 0
    for (code, name), items in CHECKLISTS.items():
        kind, _created = type_model.objects.get_or_create(code=code, defaults={"name": name})
        for order, (item_code, text) in enumerate(items, start=1):
            _item, made = item_model.objects.get_or_create(
                inspection_type=kind, code=item_code, defaults={"text": text, "order": order}
            )
            created += made
    return created


def ensure_programmes() -> dict:
    from minzheng.programs.models import Programme

    out = {}
    for code, name, rules_key, order, description in PROGRAMMES:
        out[code], _created = Programme.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "kind": Programme.Kind.CASH,
                "applicant_kind": Programme.ApplicantKind.ORGANISATION,
                "rules_key": rules_key,
                "documents_required": [],
                "portal_open": False,
                "order": order,
                "description": description,
            },
        )
    return out


@transaction.atomic
def ensure_defaults() -> dict:
    # The engine's own parameters (time limits used when an application is granted).
    from minzheng.programs.setup import ensure_parameters as ensure_engine_parameters

    ensure_engine_parameters()
    ensure_parameters()
    ensure_checklists()
    return ensure_programmes()
