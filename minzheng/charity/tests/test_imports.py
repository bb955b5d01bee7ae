import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from minzheng.charity import imports, selectors
from minzheng.charity.models import Donation, Receipt
from minzheng.ledger.models import JournalEntry

pytestmark = pytest.mark.django_db

HEADER = [
    "交易日期*",
    "付款人*",
    "金额*",
    "交易流水号*",
    "付款人类型",
    "统一社会信用代码",
    "指定项目",
    "匿名",
]


def xlsx(rows) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_a_statement_becomes_donations_receipts_and_one_ledger_entry(
    maker, charity, campaign, fund
):
    content = xlsx(
        [
            ["2021-06-01", "陈大文", "100.00", "B001", "个人", "", "", "否"],
            ["2021-06-02", "某建设有限公司", 100000, "B002", "单位", "", "龙大慈善基金", ""],
            ["2021/06/03", "黄小明", "50.5", "B003", "", "", "你我同心齐防疫", "是"],
        ]
    )
    result = imports.statement_import(
        actor=maker, charity=charity, filename="流水.xlsx", content=content, campaign_id=campaign.pk
    )
    assert (result.count, result.total, result.receipts) == (3, Decimal("100150.50"), 3)
    assert selectors.campaign_figures(campaign).raised == Decimal("150.50")
    assert selectors.fund_statement(fund).received == Decimal("100000.00")
    assert list(Receipt.objects.order_by("seq").values_list("number", "amount_in_words")) == [
        ("NHCS2021000001", "壹佰元整"),
        ("NHCS2021000002", "壹拾万元整"),
        ("NHCS2021000003", "伍拾元伍角整"),
    ]
    assert JournalEntry.objects.filter(source=f"charity.import:{charity.pk}").count() == 1
    assert Donation.objects.get(reference="B003").anonymous is True


def test_a_statement_with_bad_rows_writes_nothing_and_names_row_and_column(
    maker, charity, campaign
):
    content = xlsx(
        [
            ["2021-06-01", "陈大文", "100.00", "B001"],
            ["2021-13-01", "李四", "0", "B002"],
            ["2021-06-03", "", "1.001", "B001", "", "", "不存在的项目"],
        ]
    )
    before = (Donation.objects.count(), Receipt.objects.count(), JournalEntry.objects.count())
    with pytest.raises(imports.ImportRefused) as e:
        imports.statement_import(
            actor=maker,
            charity=charity,
            filename="x.xlsx",
            content=content,
            campaign_id=campaign.pk,
        )
    assert e.value.rows == [
        {"row": 3, "column": "交易日期", "message": "日期格式不正确（例：2021-06-01）。"},
        {"row": 3, "column": "金额", "message": "金额必须大于零。"},
        {"row": 4, "column": "金额", "message": "金额最多两位小数（精确到分）。"},
        {"row": 4, "column": "付款人", "message": "请填写付款人名称（100 字以内）。"},
        {"row": 4, "column": "交易流水号", "message": "与第 2 行的交易流水号重复。"},
        {
            "row": 4,
            "column": "指定项目",
            "message": "本组织没有名为“不存在的项目”的募捐活动或冠名基金。",
        },
    ]
    assert (
        Donation.objects.count(),
        Receipt.objects.count(),
        JournalEntry.objects.count(),
    ) == before


def test_the_same_statement_twice_is_refused_the_second_time(maker, charity, campaign):
    content = "交易日期,付款人,金额,交易流水号\r\n2021-06-01,陈大文,100,B001\r\n".encode()
    imports.statement_import(
        actor=maker, charity=charity, filename="a.csv", content=content, campaign_id=campaign.pk
    )
    with pytest.raises(imports.ImportRefused) as e:
        imports.statement_import(
            actor=maker, charity=charity, filename="a.csv", content=content, campaign_id=campaign.pk
        )
    assert e.value.rows == [{"row": 2, "column": "交易流水号", "message": "该交易流水号已导入过。"}]
    assert Donation.objects.count() == 1


def test_missing_columns_and_other_organisations_are_refused(maker, other_staff, charity, campaign):
    with pytest.raises(ValidationError) as e:
        imports.statement_import(
            actor=maker, charity=charity, filename="a.csv", content="付款人,金额\r\n".encode()
        )
    assert e.value.message_dict["file"] == ["缺少必填列：交易日期、交易流水号"]
    with pytest.raises(ValidationError) as e:
        imports.statement_import(actor=other_staff, charity=charity, filename="a.csv", content=b"x")
    assert e.value.message_dict["charity"] == ["您不是该慈善组织的工作人员，不能办理它的业务。"]


def test_the_import_job_records_row_errors(
    maker, charity, campaign, settings, tmp_path, django_capture_on_commit_callbacks
):
    from minzheng.core.models import Job

    settings.TASK_RUNNER, settings.MEDIA_ROOT = "eager", tmp_path
    content = "交易日期,付款人,金额,交易流水号\r\n2021-06-01,陈大文,-1,B001\r\n".encode()
    with django_capture_on_commit_callbacks(execute=True):
        job = imports.statement_import_start(
            actor=maker, charity=charity, filename="a.csv", content=content, campaign_id=campaign.pk
        )
    job = Job.objects.get(pk=job.pk)
    assert job.status == "failed" and job.errors == [
        {"row": 2, "column": "金额", "message": "金额必须大于零。"}
    ]
