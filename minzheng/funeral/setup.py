"""The funeral programme and its policy parameters (idempotent): run by the demo step,
`manage.py funeral_setup` and the tests.

Nanhai's own prices are not public: every price is an illustrative value (示例值) marked
as such, chosen near the Shunde (Foshan) 2013 examples where those exist.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from minzheng.core.models import PolicyParameter
from minzheng.core.services import parameters_ensure_defaults
from minzheng.programs.models import Programme

from .rules import PROGRAMME_CODE, RULES_KEY

D = PolicyParameter.ValueType.DECIMAL
I = PolicyParameter.ValueType.INTEGER  # noqa: E741
T = PolicyParameter.ValueType.TEXT
START = dt.date(2016, 1, 1)
POLICY = "粤民发〔2015〕37号（七项基本殡葬服务免除）"
ILLUSTRATIVE = "示例值：南海区收费标准未公开，上线前须按正式文件核定"
SHUNDE = "示例值，参照顺德区2013年标准"
CAP_EXAMPLE = "示例值，参照雷州市每具1,540元上限"

# key, name, value, type, unit, valid_from, source, illustrative
PARAMETERS = [
    (
        "funeral_district_code",
        "殡葬费用免除·户籍所在区代码",
        "440605",
        T,
        "",
        START,
        "南海区行政区划代码 440605",
        False,
    ),
    (
        "funeral_hukou_id_prefixes",
        "殡葬费用免除·本区身份证地址码",
        "440605,440682,440622",
        T,
        "",
        START,
        "行政区划代码：440605 南海区、440682 原南海市、440622 原南海县",
        False,
    ),
    (
        "funeral_price_transport",
        "遗体接运",
        "200",
        D,
        "元/次",
        START,
        SHUNDE + "（180–220元，因镇而异）",
        True,
    ),
    ("funeral_max_transport", "遗体接运·上限", "1", I, "次/具", START, POLICY, True),
    ("funeral_price_disinfection", "遗体消毒", "50", D, "元/次", START, ILLUSTRATIVE, True),
    ("funeral_max_disinfection", "遗体消毒·上限", "1", I, "次/具", START, POLICY, True),
    (
        "funeral_price_storage",
        "遗体存放",
        "100",
        D,
        "元/天",
        START,
        SHUNDE + "（冷藏每天不超过100元）",
        True,
    ),
    ("funeral_max_storage", "遗体存放·上限", "3", I, "天/具", START, SHUNDE + "（免除3天）", True),
    (
        "funeral_price_farewell_hall",
        "告别厅租用",
        "300",
        D,
        "元/次",
        START,
        SHUNDE + "（小厅300元）",
        True,
    ),
    ("funeral_max_farewell_hall", "告别厅租用·上限", "1", I, "次/具", START, POLICY, True),
    (
        "funeral_price_cremation",
        "遗体火化",
        "200",
        D,
        "元/具",
        START,
        SHUNDE + "（火化200元）",
        True,
    ),
    ("funeral_max_cremation", "遗体火化·上限", "1", I, "具", START, POLICY, True),
    ("funeral_price_ash_storage", "骨灰寄存", "50", D, "元/年", START, ILLUSTRATIVE, True),
    (
        "funeral_max_ash_storage",
        "骨灰寄存·上限",
        "2",
        I,
        "年/具",
        START,
        SHUNDE + "（免费寄存2年）",
        True,
    ),
    ("funeral_price_urn", "骨灰盒", "200", D, "元/个", START, ILLUSTRATIVE, True),
    ("funeral_max_urn", "骨灰盒·上限", "1", I, "个/具", START, POLICY, True),
    (
        "funeral_cap_per_body",
        "殡葬费用免除·每具遗体上限",
        "1540",
        D,
        "元/具",
        START,
        CAP_EXAMPLE,
        True,
    ),
]


def ensure_parameters() -> int:
    return parameters_ensure_defaults(PARAMETERS)


def ensure_programme() -> Programme:
    programme, _created = Programme.objects.get_or_create(
        code=PROGRAMME_CODE,
        defaults={
            "name": "殡葬基本服务费用免除",
            "kind": Programme.Kind.FEE_WAIVER,
            "applicant_kind": Programme.ApplicantKind.PERSON,
            "rules_key": RULES_KEY,
            "documents_required": [],
            "portal_open": False,
            "order": 60,
            "description": "本区户籍逝者火化的，七项基本殡葬服务费用由殡仪馆在结算时直接免除，按月向区民政局结算。",
        },
    )
    return programme


@transaction.atomic
def ensure_defaults() -> Programme:
    # The engine's own parameters (time limits used when an application is granted).
    from minzheng.programs.setup import ensure_parameters as ensure_engine_parameters

    ensure_engine_parameters()
    ensure_parameters()
    return ensure_programme()
