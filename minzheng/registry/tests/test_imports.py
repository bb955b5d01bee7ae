"""Bulk import of persons: templates, file checks, validation report, writes, resume."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from openpyxl import Workbook, load_workbook

from minzheng.core.models import Job, OperationLog
from minzheng.registry import imports
from minzheng.registry.models import Household, HouseholdMember, Person
from minzheng.registry.pii import blind_index
from minzheng.registry.services import PersonInput, person_register
from minzheng.registry.validators import check_character

GUIYI = "440605011001"  # 桂一社区, 桂城街道
DIEER = "440605011004"  # 叠二社区, 桂城街道
SHATOU = "440605121019"  # 沙头社区, 九江镇


def ident(birth: dt.date, seq: int, prefix: str = "440605") -> str:
    """A valid ID number; odd `seq` is a man."""
    first17 = f"{prefix}{birth:%Y%m%d}{seq:03d}"
    return first17 + check_character(first17)


def row(
    name,
    id_number="",
    division=GUIYI,
    *,
    sex="",
    birth="",
    phone="",
    hukou="",
    address="",
    household="",
    relation="",
):
    return [name, id_number, sex, birth, phone, hukou, division, address, household, relation]


def csv_bytes(rows, *, header=None, bom=True, encoding="utf-8") -> bytes:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(header or imports.HEADER_ROW)
    writer.writerows(rows)
    data = text.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def xlsx_bytes(rows) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(imports.SHEET_TITLE)
    ws.append(imports.HEADER_ROW)
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.fixture
def run_import(django_capture_on_commit_callbacks):
    """Start an import the way the page does and run its task (eager in tests)."""

    def run(actor, content: bytes, filename: str = "persons.csv") -> Job:
        with django_capture_on_commit_callbacks(execute=True):
            job = imports.persons_import_start(actor=actor, filename=filename, content=content)
        job.refresh_from_db()
        return job

    return run


# ---------------------------------------------------------------- templates and file checks


@pytest.mark.django_db
def test_xlsx_template_has_the_import_headers_and_an_example_row():
    wb = load_workbook(io.BytesIO(imports.import_template_xlsx()))

    ws = wb[imports.SHEET_TITLE]
    rows = list(ws.iter_rows(values_only=True))
    assert list(rows[0]) == imports.HEADER_ROW
    assert imports.HEADER_ROW == [
        "姓名*", "身份证号码", "性别", "出生日期", "手机号码", "户籍地区划代码",
        "居住地区划代码*", "居住地址", "户编号", "与户主关系",
    ]  # fmt: skip
    assert rows[1][0] == "示例：张三"
    assert ws["A1"].font.b is True
    assert ws.column_dimensions["B"].width == 22
    assert wb.sheetnames == ["人员信息", "填写说明"]


@pytest.mark.django_db
def test_csv_template_is_utf8_with_bom_and_parses_back_to_the_headers():
    content = imports.import_template_csv()

    assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[0] == imports.HEADER_ROW
    assert rows[1][0] == "示例：张三"


@pytest.mark.django_db
def test_untouched_template_imports_nothing_because_the_example_row_is_skipped(
    guicheng_worker, run_import
):
    job = run_import(guicheng_worker, imports.import_template_xlsx(), "template.xlsx")

    assert job.status == Job.Status.FAILED
    assert job.errors == [{"row": "", "column": "", "message": "文件中没有可导入的人员。"}]
    assert Person.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("filename", "content", "message"),
    [
        ("persons.xls", b"\xd0\xcf\x11\xe0old excel", "仅支持 .xlsx 或 .csv 文件"),
        ("persons.pdf", b"%PDF-1.7", "仅支持 .xlsx 或 .csv 文件"),
        ("persons", b"a,b", "仅支持 .xlsx 或 .csv 文件"),
        ("persons.xlsx", b"not a zip at all", "文件内容与扩展名“.xlsx”不符，可能已损坏或被改名。"),
        (
            "persons.csv",
            b"PK\x03\x04\x00\x00binary",
            "文件内容与扩展名“.csv”不符，可能已损坏或被改名。",
        ),
        ("persons.csv", b"", "文件是空的，请重新选择。"),
    ],
)
def test_start_refuses_files_that_are_not_xlsx_or_csv(guicheng_worker, filename, content, message):
    with pytest.raises(ValidationError) as exc:
        imports.persons_import_start(actor=guicheng_worker, filename=filename, content=content)

    assert exc.value.message_dict == {"file": [message]}
    assert Job.objects.count() == 0


@pytest.mark.django_db
def test_start_without_the_import_permission_is_refused(make_staff):
    from minzheng.core import roles

    community_worker = make_staff("guiyuan_worker", roles.COMMUNITY_WORKER, "440605011008")

    with pytest.raises(PermissionDenied):
        imports.persons_import_start(
            actor=community_worker, filename="p.csv", content=csv_bytes([])
        )
    assert Job.objects.count() == 0


# ---------------------------------------------------------------- validation


@pytest.mark.django_db
def test_file_with_bad_rows_fails_listing_each_problem_and_writes_nothing(
    guicheng_worker, run_import
):
    # given a person already registered, and a file with one problem per row
    registered = ident(dt.date(1960, 5, 4), 11)
    person_register(
        actor=guicheng_worker,
        data=PersonInput(name="梁已登", residence_division_code=GUIYI, id_number=registered),
    )
    good = ident(dt.date(1980, 1, 2), 13)
    valid = ident(dt.date(1981, 3, 4), 15)
    bad_check = valid[:17] + ("1" if valid[17] == "0" else "0")
    rows = [
        row("陈大文", good, household="H1", relation="户主"),  # 2: duplicated by row 5
        row("李校验", bad_check),  # 3
        row("黄无码", ident(dt.date(1982, 1, 1), 17), division="440605011999"),  # 4
        row("陈重复", good),  # 5
        row("梁再登", registered),  # 6
        row("", ident(dt.date(1983, 1, 1), 19)),  # 7
        row("何九江", ident(dt.date(1984, 1, 1), 21), division=SHATOU),  # 8
        row("张无主", ident(dt.date(1985, 1, 1), 23), household="H2", relation="子女"),  # 9
    ]
    persons_before = Person.objects.count()

    # when
    job = run_import(guicheng_worker, csv_bytes(rows))

    # then
    assert job.status == Job.Status.FAILED
    existing_pk = Person.objects.get().pk
    assert job.errors == [
        {"row": 2, "column": "身份证号码", "message": "与第 5 行的身份证号码重复。"},
        {"row": 3, "column": "身份证号码", "message": "身份证号码校验位不正确，请核对后重新输入"},
        {"row": 4, "column": "居住地区划代码", "message": "区划代码“440605011999”不存在。"},
        {"row": 5, "column": "身份证号码", "message": "与第 2 行的身份证号码重复。"},
        {
            "row": 6,
            "column": "身份证号码",
            "message": f"该身份证号码已登记（人员编号 {existing_pk}），请勿重复导入。",
        },
        {"row": 7, "column": "姓名", "message": "请填写姓名。"},
        {"row": 8, "column": "居住地区划代码", "message": "居住地不在您的管辖范围内。"},
        {
            "row": 9,
            "column": "与户主关系",
            "message": "户编号“H2”是新户，但没有户主：须有一行的与户主关系为“户主”。",
        },
    ]
    assert job.result["message"] == "发现 8 处问题，未导入任何数据。"
    assert Person.objects.count() == persons_before == 1
    assert Person.history.count() == 1
    assert Household.objects.count() == 0
    assert HouseholdMember.objects.count() == 0
    assert not OperationLog.objects.filter(action=OperationLog.Action.IMPORT).exists()


@pytest.mark.django_db
def test_id_number_registered_in_another_town_is_reported_without_naming_the_record(
    guicheng_worker, jiujiang_worker, run_import
):
    elsewhere = ident(dt.date(1970, 2, 3), 25)
    person_register(
        actor=jiujiang_worker,
        data=PersonInput(name="何九江", residence_division_code=SHATOU, id_number=elsewhere),
    )

    job = run_import(guicheng_worker, csv_bytes([row("何九江", elsewhere)]))

    assert job.errors == [
        {
            "row": 2,
            "column": "身份证号码",
            "message": "该身份证号码已在其他镇街登记，不能重复登记；如需迁入请联系区民政局。",
        }
    ]


@pytest.mark.django_db
def test_household_rules_two_heads_missing_relation_and_unknown_relation(
    guicheng_worker, run_import
):
    rows = [
        row("陈一", ident(dt.date(1970, 1, 1), 31), household="H1", relation="户主"),
        row("陈二", ident(dt.date(1971, 1, 1), 33), household="H1", relation="户主"),
        row("陈三", ident(dt.date(1972, 1, 1), 35), household="H1"),
        row("陈四", ident(dt.date(1973, 1, 1), 37), household="H1", relation="表哥"),
        row("陈五", ident(dt.date(1974, 1, 1), 39), relation="配偶"),
    ]

    job = run_import(guicheng_worker, csv_bytes(rows))

    assert job.errors == [
        {
            "row": 3,
            "column": "与户主关系",
            "message": "户编号“H1”已有户主（第 2 行），一户只能有一名户主。",
        },
        {"row": 4, "column": "与户主关系", "message": "填写了户编号时须填写与户主关系。"},
        {
            "row": 5,
            "column": "与户主关系",
            "message": "与户主关系“表哥”无法识别，可填：户主、配偶、子女、父母、孙子女、祖父母、兄弟姐妹、儿媳/女婿、其他。",
        },
        {"row": 6, "column": "户编号", "message": "填写了与户主关系时须填写户编号。"},
    ]
    assert Person.objects.count() == 0


@pytest.mark.django_db
def test_missing_required_header_is_one_error(guicheng_worker, run_import):
    header = [h for h in imports.HEADER_ROW if h != "居住地区划代码*"]
    content = csv_bytes([["陈大文", "", "", "", "", "", "", "", ""]], header=header)

    job = run_import(guicheng_worker, content)

    assert job.status == Job.Status.FAILED
    assert job.errors == [
        {
            "row": 1,
            "column": "居住地区划代码",
            "message": "缺少必填列“居住地区划代码”，请使用导入模板。",
        }
    ]


@pytest.mark.django_db
def test_id_number_stored_by_excel_as_a_number_gets_its_own_message(guicheng_worker, run_import):
    content = xlsx_bytes([["陈大文", 4.40605199001012e17, None, None, None, None, GUIYI]])

    job = run_import(guicheng_worker, content, "persons.xlsx")

    assert job.errors == [
        {
            "row": 2,
            "column": "身份证号码",
            "message": "身份证号码被 Excel 存成了数字，末尾几位已丢失；请把该列设为文本格式后重新填写。",
        }
    ]


@pytest.mark.django_db
def test_csv_that_stops_being_utf8_after_the_first_64_kb_fails_with_an_encoding_message(
    guicheng_worker, run_import
):
    rows = [
        row(f"陈{i}", ident(dt.date(1950, 1, 1) + dt.timedelta(days=i), 71)) for i in range(1500)
    ]
    good = csv_bytes(rows)
    assert len(good) > 65536

    job = run_import(guicheng_worker, good + "黄".encode("gb18030") + b",,,\r\n")

    assert job.status == Job.Status.FAILED
    message = "文件编码无法识别，请在 Excel 中另存为“CSV UTF-8（逗号分隔）”或 .xlsx 后重新上传。"
    assert job.errors == [{"row": "", "column": "", "message": message}]
    assert Person.objects.count() == 0


@pytest.mark.django_db
def test_corrupt_xlsx_fails_with_a_readable_message(guicheng_worker, run_import):
    job = run_import(guicheng_worker, b"PK\x03\x04" + b"\x00" * 200, "persons.xlsx")

    assert job.status == Job.Status.FAILED
    message = "无法读取文件，请确认是未损坏的 .xlsx 或 .csv 文件。"
    assert job.errors == [{"row": "", "column": "", "message": message}]


@pytest.mark.django_db
def test_errors_are_capped_at_1000_and_validation_stops(guicheng_worker, run_import, monkeypatch):
    monkeypatch.setattr(imports, "MAX_ERRORS", 5)
    rows = [row("", "") for _ in range(20)]

    job = run_import(guicheng_worker, csv_bytes(rows))

    assert [e["row"] for e in job.errors] == [2, 3, 4, 5, 6]
    assert job.result["message"] == "问题较多，已停止校验，仅列出前 5 处；未导入任何数据。"


# ---------------------------------------------------------------- successful imports


def _person_rows(n: int, divisions=(GUIYI, DIEER)):
    """n persons in households of three (head, spouse, child), ID numbers unique."""
    rows = []
    for i in range(n):
        member = i % 3
        birth = dt.date(1950, 1, 1) + dt.timedelta(days=i // 3)
        if member == 2:
            birth += dt.timedelta(days=30 * 365)
        seq = 101 + 2 * member + (1 if member == 1 else 0)  # head man, spouse woman, child man
        relation = ("户主", "配偶", "子女")[member]
        rows.append(
            row(
                f"陈{i}", ident(birth, seq), divisions[(i // 3) % len(divisions)],
                phone=f"138{i:08d}", address=f"南海大道北 {i // 3} 号", household=f"HH{i // 3:05d}", relation=relation,
            )
        )  # fmt: skip
    return rows


@pytest.mark.django_db
def test_good_xlsx_of_10000_rows_imports_everything_with_history_and_encrypted_pii(
    guicheng_worker, run_import
):
    rows = _person_rows(10_000)

    job = run_import(guicheng_worker, xlsx_bytes(rows), "persons.xlsx")

    assert job.status == Job.Status.SUCCEEDED, job.errors
    assert job.result["created"] == 10_000
    assert job.result["households"] == 3334
    assert job.result["message"] == "成功导入 10000 人、3334 户。"
    assert (job.done, job.total, job.errors) == (10_000, 10_000, [])
    assert Person.objects.count() == 10_000
    assert Person.objects.filter(created_by=guicheng_worker).count() == 10_000
    assert Household.objects.count() == 3334
    assert HouseholdMember.objects.count() == 10_000
    assert HouseholdMember.objects.filter(relation="head").count() == 3334
    assert Person.history.filter(history_type="+", history_user=guicheng_worker).count() == 10_000
    assert Household.history.count() == 3334
    assert HouseholdMember.history.count() == 10_000

    first = Person.objects.get(id_number_hash=blind_index(rows[0][1], kind="id"))
    assert (first.name, first.id_number, first.phone, first.sex) == (
        "陈0",
        rows[0][1],
        "13800000000",
        "M",
    )
    assert first.id_number_masked == rows[0][1][:4] + "**********" + rows[0][1][-4:]
    assert first.phone_masked == "138****0000"
    assert first.birth_date == dt.date(1950, 1, 1)
    household = Household.objects.get(number="HH00000")
    assert (household.division_id, household.address) == (GUIYI, "南海大道北 0 号")
    assert list(household.members.order_by("id").values_list("person__name", "relation")) == [
        ("陈0", "head"), ("陈1", "spouse"), ("陈2", "child"),
    ]  # fmt: skip
    history = Person.history.get(id=first.pk)
    assert (history.id_number, history.phone, history.name) == (rows[0][1], "13800000000", "陈0")

    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, phone FROM registry_person")
        stored = cursor.fetchall()
        cursor.execute("SELECT id_number, phone FROM registry_historicalperson")
        stored += cursor.fetchall()
    plaintext = {r[1] for r in rows} | {r[4] for r in rows}
    assert len(stored) == 20_000
    assert all(value.startswith("v1:") for pair in stored for value in pair)
    assert not plaintext & {value for pair in stored for value in pair}

    log = OperationLog.objects.get(action=OperationLog.Action.IMPORT)
    assert (log.user, log.target_type, log.target_id) == (guicheng_worker, "core.job", str(job.pk))
    assert log.summary == "批量导入人员 10000 人、3334 户（persons.xlsx）"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("bom", "encoding"),
    [(True, "utf-8"), (False, "utf-8"), (False, "gb18030")],
    ids=["bom", "no-bom", "gb18030"],
)
def test_csv_with_or_without_bom_and_in_gb18030_imports(guicheng_worker, run_import, bom, encoding):
    rows = [
        row(
            "欧阳娜",
            ident(dt.date(1990, 6, 1), 42),
            sex="女",
            birth="1990/06/01",
            household="GB1",
            relation="本人",
        ),
        row("欧阳峰", ident(dt.date(1989, 2, 1), 43), sex="男", household="GB1", relation="丈夫"),
    ]

    job = run_import(guicheng_worker, csv_bytes(rows, bom=bom, encoding=encoding))

    assert job.status == Job.Status.SUCCEEDED, job.errors
    assert list(Person.objects.order_by("id").values_list("name", "sex", "birth_date")) == [
        ("欧阳娜", "F", dt.date(1990, 6, 1)),
        ("欧阳峰", "M", dt.date(1989, 2, 1)),
    ]
    assert list(HouseholdMember.objects.order_by("id").values_list("relation", flat=True)) == [
        "head",
        "spouse",
    ]
    assert job.input_file.name == ""  # the plaintext upload is deleted once the job is over


@pytest.mark.django_db
def test_rows_join_an_existing_household_in_scope(guicheng_worker, run_import):
    first = run_import(
        guicheng_worker,
        csv_bytes([row("陈父", ident(dt.date(1960, 1, 1), 51), household="OLD1", relation="户主")]),
    )
    assert first.status == Job.Status.SUCCEEDED

    job = run_import(
        guicheng_worker,
        csv_bytes([row("陈子", ident(dt.date(1990, 1, 1), 53), household="OLD1", relation="子女")]),
    )

    assert job.status == Job.Status.SUCCEEDED, job.errors
    assert job.result["households"] == 0
    assert list(
        Household.objects.get(number="OLD1")
        .members.values_list("person__name", flat=True)
        .order_by("id")
    ) == [
        "陈父",
        "陈子",
    ]


@pytest.mark.django_db
def test_existing_household_with_a_head_or_out_of_scope_is_refused(
    guicheng_worker, jiujiang_worker, run_import
):
    run_import(
        guicheng_worker,
        csv_bytes([row("陈父", ident(dt.date(1960, 1, 1), 51), household="OLD1", relation="户主")]),
    )
    run_import(
        jiujiang_worker,
        csv_bytes(
            [row("何父", ident(dt.date(1961, 1, 1), 55), SHATOU, household="JJ1", relation="户主")]
        ),
    )

    job = run_import(
        guicheng_worker,
        csv_bytes([
            row("陈新", ident(dt.date(1962, 1, 1), 57), household="OLD1", relation="户主"),
            row("何新", ident(dt.date(1963, 1, 1), 59), household="JJ1", relation="子女"),
        ]),
    )  # fmt: skip

    assert job.errors == [
        {"row": 2, "column": "与户主关系", "message": "户编号“OLD1”已有户主，不能再导入户主。"},
        {"row": 3, "column": "户编号", "message": "户编号“JJ1”已存在，且不在您的管辖范围内。"},
    ]
    assert Person.objects.count() == 2


# ---------------------------------------------------------------- idempotence and resume


@pytest.mark.django_db
def test_running_a_finished_job_again_changes_nothing(guicheng_worker, run_import):
    job = run_import(guicheng_worker, csv_bytes(_person_rows(6)))
    assert job.status == Job.Status.SUCCEEDED

    imports.persons_import_run(job_id=job.pk)

    assert Person.objects.count() == 6
    assert OperationLog.objects.filter(action=OperationLog.Action.IMPORT).count() == 1


@pytest.mark.django_db
def test_a_crashed_import_resumes_after_the_last_committed_rows(
    guicheng_worker, run_import, monkeypatch
):
    # given an import whose process dies after its first transaction
    monkeypatch.setattr(imports, "_rows_per_commit", lambda connection: 4)
    original = imports._Writer.write
    calls = []

    def dying_write(self, records, *, limit, counts):
        if calls:
            raise SystemExit("worker killed")  # not an Exception: no handler runs, as in a crash
        calls.append(1)
        return original(self, records, limit=limit, counts=counts)

    monkeypatch.setattr(imports._Writer, "write", dying_write)
    with pytest.raises(SystemExit):
        run_import(guicheng_worker, csv_bytes(_person_rows(9)))
    job = Job.objects.get()
    assert job.status == Job.Status.RUNNING
    assert (job.result["committed_row"], job.result["created"], Person.objects.count()) == (5, 4, 4)

    # when the task runs again
    monkeypatch.setattr(imports._Writer, "write", original)
    imports.persons_import_run(job_id=job.pk)

    # then it writes the remaining rows once
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, job.errors
    assert job.result["message"] == "成功导入 9 人、3 户。"
    assert Person.objects.count() == 9
    assert Person.history.count() == 9
    assert sorted(Household.objects.values_list("number", flat=True)) == [
        "HH00000",
        "HH00001",
        "HH00002",
    ]
    assert HouseholdMember.objects.count() == 9
    assert Household.objects.get(number="HH00001").members.count() == 3  # split across both runs


@pytest.mark.django_db
def test_a_second_run_stops_when_another_run_has_moved_the_marker(
    guicheng_worker, run_import, monkeypatch
):
    monkeypatch.setattr(imports, "_rows_per_commit", lambda connection: 3)
    original = imports._Writer.write

    def overtaken(self, records, *, limit, counts):
        # another worker commits the same rows first
        Job.objects.filter(pk=self.job.pk).update(result={**self.job.result, "committed_row": 99})
        return original(self, records, limit=limit, counts=counts)

    monkeypatch.setattr(imports._Writer, "write", overtaken)

    job = run_import(guicheng_worker, csv_bytes(_person_rows(3)))

    assert job.status == Job.Status.RUNNING
    assert Person.objects.count() == 0


@pytest.mark.django_db
def test_id_number_registered_between_the_passes_fails_the_job_naming_the_row(
    guicheng_worker, run_import, monkeypatch
):
    rows = _person_rows(3)
    original = imports._import

    def register_meanwhile(job, actor, spool):
        person_register(
            actor=actor,
            data=PersonInput(name="抢先", residence_division_code=GUIYI, id_number=rows[1][1]),
        )
        original(job, actor, spool)

    monkeypatch.setattr(imports, "_import", register_meanwhile)

    job = run_import(guicheng_worker, csv_bytes(rows))

    assert job.status == Job.Status.FAILED
    assert job.errors == [
        {"row": 3, "column": "身份证号码", "message": "该身份证号码在导入过程中已被登记。"}
    ]
    assert job.result["message"] == "未导入任何数据。"
    assert list(Person.objects.values_list("name", flat=True)) == ["抢先"]


# ---------------------------------------------------------------- pages


@pytest.mark.django_db
def test_import_page_offers_both_templates_and_an_upload_starts_a_job(
    client, guicheng_worker, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    client.force_login(guicheng_worker)
    page = client.get(reverse("registry:person_import"))
    assert page.status_code == 200
    html = page.content.decode()
    assert reverse("registry:person_import_template", args=["xlsx"]) in html
    assert reverse("registry:person_import_template", args=["csv"]) in html
    template = client.get(reverse("registry:person_import_template", args=["xlsx"]))
    assert (
        list(
            next(
                load_workbook(io.BytesIO(template.content))
                .worksheets[0]
                .iter_rows(values_only=True)
            )
        )
        == imports.HEADER_ROW
    )

    upload = SimpleUploadedFile(
        "p.csv", csv_bytes([row("陈大文", ident(dt.date(1990, 1, 1), 61))]), content_type="text/csv"
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("registry:person_import"), {"file": upload})

    job = Job.objects.get()
    assert (response.status_code, response["Location"]) == (302, reverse("core:job", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED
    progress = client.get(reverse("core:job", args=[job.pk]))
    assert "成功导入 1 人、0 户。" in progress.content.decode()


# ---------------------------------------------------------------- PostgreSQL: writes during validation


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_rows_are_written_during_validation_and_committed_once(guicheng_worker):
    # No surrounding transaction (transaction=True), as in a worker: the writer thread runs.
    rows = _person_rows(4500)

    job = imports.persons_import_start(
        actor=guicheng_worker, filename="p.csv", content=csv_bytes(rows)
    )

    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, job.errors
    assert job.result["message"] == "成功导入 4500 人、1500 户。"
    assert (Person.objects.count(), Person.history.count(), HouseholdMember.objects.count()) == (
        4500,
        4500,
        4500,
    )
    assert Household.objects.count() == Household.history.count() == 1500


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_an_error_late_in_the_file_rolls_back_what_the_writer_wrote(guicheng_worker):
    rows = _person_rows(4500)
    rows[4400][0] = ""  # row 4402 has no name

    job = imports.persons_import_start(
        actor=guicheng_worker, filename="p.csv", content=csv_bytes(rows)
    )

    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert job.errors == [{"row": 4402, "column": "姓名", "message": "请填写姓名。"}]
    assert (Person.objects.count(), Household.objects.count(), Person.history.count()) == (0, 0, 0)
