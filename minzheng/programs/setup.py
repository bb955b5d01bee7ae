"""Default programmes and policy parameters (idempotent): run by the demo step, by
`manage.py programs_setup`, and by tests.

Every number is a PolicyParameter with its source; where no public source was found it is
marked illustrative (示例值) and must be confirmed against the official document before
production.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from minzheng.core.models import PolicyParameter
from minzheng.core.services import parameters_ensure_defaults

from .models import Programme

D = PolicyParameter.ValueType.DECIMAL
I = PolicyParameter.ValueType.INTEGER  # noqa: E741
T = PolicyParameter.ValueType.TEXT
START = dt.date(2016, 1, 1)
NANHAI_TA_2021 = "南海区2021年临时救助工作通知（不低于2个月最低生活保障标准）"
ILLUSTRATIVE = "示例值：未找到南海区公开依据，上线前须按正式文件核定"
SW_2015 = "南府办〔2015〕48号《佛山市南海区社会工作人才发展扶持激励办法》"
SW_2021 = "《佛山市南海区社会工作人才发展扶持激励经费申请指引（2021年修订）》"

# key, name, value, type, unit, valid_from, source, illustrative
PARAMETERS = [
    ("dibao_standard", "最低生活保障标准", "1160", D, "元/人·月", START, ILLUSTRATIVE, True),
    (
        "ta_min_months",
        "临时救助最低月数",
        "2",
        I,
        "个月",
        dt.date(2021, 1, 1),
        NANHAI_TA_2021,
        False,
    ),
    ("ta_months_emergency", "急难型临时救助月数", "3", I, "个月", START, ILLUSTRATIVE, True),
    ("ta_months_expense", "支出型临时救助月数", "2", I, "个月", START, ILLUSTRATIVE, True),
    (
        "ta_basis",
        "临时救助计算基数（per_person 按人 / per_household 按户）",
        "per_person",
        T,
        "",
        START,
        ILLUSTRATIVE,
        True,
    ),
    ("ta_cap_amount", "临时救助单次上限", "20000", D, "元", START, ILLUSTRATIVE, True),
    (
        "ta_expense_income_multiple",
        "支出型救助人均收入上限（低保标准倍数）",
        "2",
        D,
        "倍",
        START,
        ILLUSTRATIVE,
        True,
    ),
    ("ta_fast_path_limit", "先行救助限额", "3000", D, "元", START, ILLUSTRATIVE, True),
    ("ta_paperwork_days", "先行救助补办手续期限", "5", I, "个工作日", START, ILLUSTRATIVE, True),
    (
        "programs_town_approval_limit",
        "镇街审批额度（含）",
        "5000",
        D,
        "元",
        START,
        ILLUSTRATIVE,
        True,
    ),
    (
        "programs_publicity_days",
        "公示天数",
        "7",
        I,
        "天",
        START,
        "常见做法：公示不少于7天（本项目默认值）",
        True,
    ),
    ("programs_days_submitted", "受理时限", "3", I, "个工作日", START, ILLUSTRATIVE, True),
    ("programs_days_investigation", "调查核实时限", "10", I, "个工作日", START, ILLUSTRATIVE, True),
    (
        "programs_days_review",
        "审批时限",
        "10",
        I,
        "个工作日",
        START,
        "常见做法：区级约10个工作日内审批",
        True,
    ),
    ("programs_days_returned", "补正材料时限", "10", I, "个工作日", START, ILLUSTRATIVE, True),
    ("programs_days_approved", "发放时限", "10", I, "个工作日", START, ILLUSTRATIVE, True),
    ("edu_amount_primary", "教育救助·小学", "1000", D, "元/生·学年", START, ILLUSTRATIVE, True),
    ("edu_amount_junior", "教育救助·初中", "1500", D, "元/生·学年", START, ILLUSTRATIVE, True),
    ("edu_amount_senior", "教育救助·高中/中职", "2000", D, "元/生·学年", START, ILLUSTRATIVE, True),
    (
        "edu_amount_college",
        "教育救助·大学/高职",
        "5000",
        D,
        "元/生·学年",
        START,
        ILLUSTRATIVE,
        True,
    ),
    (
        "dea_age_min",
        "残疾人就业扶助最低年龄",
        "16",
        I,
        "岁",
        START,
        "《劳动法》最低就业年龄16周岁",
        False,
    ),
    ("dea_age_max", "残疾人就业扶助最高年龄", "59", I, "岁", START, ILLUSTRATIVE, True),
    ("dea_amount_employed", "残疾人就业扶助·就业", "3000", D, "元", START, ILLUSTRATIVE, True),
    (
        "dea_amount_self_employed",
        "残疾人就业扶助·自主创业",
        "5000",
        D,
        "元",
        START,
        ILLUSTRATIVE,
        True,
    ),
    ("dea_amount_training", "残疾人就业扶助·职业培训", "1500", D, "元", START, ILLUSTRATIVE, True),
    ("sw_policy_start", "社工人才激励施行日期", "2016-01-01", T, "", START, SW_2015, False),
    ("sw_amount_assistant", "助理社会工作师一次性奖励", "1000", D, "元", START, SW_2015, False),
    ("sw_amount_social_worker", "社会工作师一次性奖励", "2000", D, "元", START, SW_2015, False),
    (
        "sw_amount_senior",
        "高级社会工作师一次性奖励",
        "5000",
        D,
        "元",
        START,
        SW_2021 + "（转载数额，待核）",
        False,
    ),
    ("ec_new_bed", "民办养老机构新增床位补贴", "5000", D, "元/张", START, ILLUSTRATIVE, True),
    ("ec_occupied_self_care", "运营补贴·自理", "50", D, "元/床·月", START, ILLUSTRATIVE, True),
    ("ec_occupied_partial", "运营补贴·半护理", "100", D, "元/床·月", START, ILLUSTRATIVE, True),
    ("ec_occupied_full", "运营补贴·全护理", "200", D, "元/床·月", START, ILLUSTRATIVE, True),
]

DOC = {
    "id_card": "申请人身份证",
    "hukou": "户口簿",
    "income": "家庭收入及财产申报表",
    "event_proof": "事故/疾病证明（火灾、交通事故认定书、诊断证明等）",
    "expense_receipts": "支出票据（医疗、教育等）",
    "bank_card": "银行卡（存折）",
    "school_proof": "在读证明",
    "disability_card": "残疾人证",
    "employment_proof": "劳动合同/营业执照/培训证明",
    "certificate": "社会工作者职业水平证书",
    "employment_certificate": "在职证明（南海区社会工作服务机构）",
    "org_licence": "养老机构备案回执",
    "bed_register": "床位及入住人员登记表",
}


def _docs(*kinds: str) -> list[dict]:
    return [{"kind": k, "label": DOC[k]} for k in kinds]


# code, name, kind, applicant kind, rules, documents, fast path, portal, order
PROGRAMMES = [
    (
        "temporary_assistance",
        "临时救助",
        "cash",
        "household",
        "temporary_assistance",
        _docs("id_card", "hukou", "income", "event_proof", "bank_card"),
        True,
        True,
        10,
    ),
    (
        "education_aid",
        "教育救助",
        "cash",
        "person",
        "education_aid",
        _docs("id_card", "hukou", "school_proof", "bank_card"),
        False,
        True,
        20,
    ),
    (
        "disability_employment",
        "残疾人就业扶助",
        "cash",
        "person",
        "disability_employment",
        _docs("id_card", "disability_card", "employment_proof", "bank_card"),
        False,
        True,
        30,
    ),
    (
        "social_worker_grant",
        "社工人才扶持激励",
        "cash",
        "person",
        "social_worker",
        _docs("id_card", "certificate", "employment_certificate", "bank_card"),
        False,
        True,
        40,
    ),
    (
        "eldercare_subsidy",
        "民办养老机构扶持补贴",
        "cash",
        "organisation",
        "eldercare_subsidy",
        _docs("org_licence", "bed_register", "bank_card"),
        False,
        False,
        50,
    ),
]


def ensure_parameters() -> int:
    return parameters_ensure_defaults(PARAMETERS)


def ensure_programmes() -> dict[str, Programme]:
    out = {}
    for code, name, kind, applicant_kind, rules_key, docs, fast, portal, order in PROGRAMMES:
        out[code], _created = Programme.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "kind": kind,
                "applicant_kind": applicant_kind,
                "rules_key": rules_key,
                "documents_required": docs,
                "fast_path": fast,
                "portal_open": portal,
                "order": order,
            },
        )
    return out


@transaction.atomic
def ensure_defaults() -> dict[str, Programme]:
    ensure_parameters()
    return ensure_programmes()
