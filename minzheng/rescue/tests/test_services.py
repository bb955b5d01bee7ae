from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError

from minzheng.core.models import Attachment
from minzheng.rescue import selectors, services
from minzheng.rescue.models import (
    Case,
    CaseTransition,
    Decision,
    MatchCandidate,
    MissingReport,
    Notice,
    ReportKey,
    ReportStatus,
    ReturnHome,
)

from .conftest import JPEG, MP3, intake, report_input, return_input


def _report(staff, **kw) -> MissingReport:
    return services.report_create(actor=staff, data=report_input(**kw), source="counter")


def _case(staff, station, **kw) -> Case:
    """A case whose notice staff have reviewed and published."""
    case = services.case_intake(actor=staff, station=station, data=intake(**kw))
    services.notice_publish(actor=staff, notice=case.notice)
    return case


# ---------------------------------------------------------------- intake


def test_intake_writes_case_first_state_row_and_a_notice_to_review(rescue_staff, station, client):
    photo = SimpleUploadedFile("p.jpg", JPEG)
    audio = SimpleUploadedFile("s.mp3", MP3)
    case = services.case_intake(
        actor=rescue_staff, station=station, data=intake(), photo=photo, audio=audio
    )
    assert case.number == f"JZZ2021{case.pk:06d}"
    assert case.state == "checked_in" and case.division_id == "440605000000"
    row = CaseTransition.objects.get(case=case)
    assert (row.from_state, row.to_state, row.actor, row.reason) == (
        "",
        "checked_in",
        rescue_staff,
        "入站登记",
    )
    assert sorted(
        Attachment.objects.filter(object_id=str(case.pk)).values_list("kind", flat=True)
    ) == ["audio", "photo"]
    notice = Notice.objects.get(case=case)
    assert notice.status == "draft" and notice.photo_token and notice.published_at is None
    assert notice.title == "寻亲公告：2021年3月5日在桂城街道灯湖东路发现一名男性"
    # Nothing is public before a person has reviewed the text and the photo.
    assert client.get(f"/portal/rescue/notices/{notice.pk}/").status_code == 404
    assert client.get(f"/portal/rescue/notices/{notice.pk}/photo/").status_code == 404
    services.notice_publish(actor=rescue_staff, notice=notice)
    assert Notice.objects.get(pk=notice.pk).status == "published"
    assert client.get(f"/portal/rescue/notices/{notice.pk}/").status_code == 200
    with pytest.raises(ValidationError):
        services.notice_publish(actor=rescue_staff, notice=notice)  # published once


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        (
            {"found_date": dt.date.today() + dt.timedelta(days=1)},
            "found_date",
            "发现日期不能晚于今天。",
        ),
        ({"age_min": 70, "age_max": 60}, "age_max", "年龄上限不能小于下限。"),
        ({"fingerprint_ref": ""}, "fingerprint_ref", "已采集的，请填写公安机关给出的编号。"),
        ({"found_place": " "}, "found_place", "请填写发现地点。"),
    ],
)
def test_bad_intake_is_refused_and_writes_nothing(rescue_staff, station, overrides, field, message):
    with pytest.raises(ValidationError) as exc:
        _case(rescue_staff, station, **overrides)
    assert exc.value.message_dict[field] == [message]
    assert Case.objects.count() == Notice.objects.count() == CaseTransition.objects.count() == 0


@pytest.mark.parametrize(
    "kind, upload, message",
    [
        (
            "photo",
            SimpleUploadedFile("p.gif", b"GIF89a"),
            "不支持的文件类型“.gif”，请上传 JPG、JPEG、PNG 格式。",
        ),
        (
            "photo",
            SimpleUploadedFile("p.jpg", JPEG + b"\x00" * (5 * 1024 * 1024)),
            "文件过大（5.0 MB），单个文件不能超过 5 MB。",
        ),
        (
            "audio",
            SimpleUploadedFile("s.ogg", b"OggS"),
            "不支持的文件类型“.ogg”，请上传 MP3、WAV、M4A 格式。",
        ),
        (
            "audio",
            SimpleUploadedFile("s.mp3", MP3 + b"\x00" * (20 * 1024 * 1024)),
            "文件过大（20.0 MB），单个文件不能超过 20 MB。",
        ),
    ],
)
def test_wrong_photo_or_audio_is_refused_and_writes_nothing(
    rescue_staff, station, kind, upload, message
):
    with pytest.raises(ValidationError) as exc:
        services.case_intake(actor=rescue_staff, station=station, data=intake(), **{kind: upload})
    assert exc.value.message_dict[kind] == [message]
    assert Case.objects.count() == Attachment.objects.count() == 0


def test_transitions_follow_the_table_and_log_each_change(rescue_staff, station):
    case = _case(rescue_staff, station)
    services.case_transition(
        actor=rescue_staff, case=case, to_state="transferred", reason="转至精神病院治疗"
    )
    services.case_transition(
        actor=rescue_staff, case=case, to_state="checked_in", reason="治疗后返回"
    )
    with pytest.raises(ValidationError) as exc:
        services.case_transition(actor=rescue_staff, case=case, to_state="returned_x", reason="x")
    assert "to_state" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.case_transition(actor=rescue_staff, case=case, to_state="checked_out", reason="")
    rows = list(
        CaseTransition.objects.filter(case=case).values_list("from_state", "to_state", "reason")
    )
    assert rows == [
        ("", "checked_in", "入站登记"),
        ("checked_in", "transferred", "转至精神病院治疗"),
        ("transferred", "checked_in", "治疗后返回"),
    ]


def test_daily_record_refuses_future_day(rescue_staff, station):
    case = _case(rescue_staff, station)
    services.daily_record_add(
        actor=rescue_staff, case=case, day=dt.date(2021, 3, 6), note="进食正常"
    )
    with pytest.raises(ValidationError):
        services.daily_record_add(
            actor=rescue_staff, case=case, day=dt.date.today() + dt.timedelta(days=1), note="x"
        )
    assert case.daily_records.count() == 1


# ---------------------------------------------------------------- notices


def test_notice_shows_only_whitelisted_fields_on_the_portal(rescue_staff, station, client):
    case = services.case_intake(
        actor=rescue_staff, station=station, data=intake(), photo=SimpleUploadedFile("p.jpg", JPEG)
    )
    notice = services.notice_publish(actor=rescue_staff, notice=case.notice)
    page = client.get(f"/portal/rescue/notices/{notice.pk}/").content.decode()
    for shown in ("王志强", "粤语", "桂城街道灯湖东路", "65–75", "蓝色外套", "左脸有痣"):
        assert shown in page
    for hidden in (
        "高血压",
        "认知障碍",
        "身份证复印件",
        "440605194801011234",
        "ZW-2021-0001",
        case.number,
    ):
        assert hidden not in page
    assert set(Notice.PUBLIC_FIELDS) == {
        "title",
        "told_name",
        "sex",
        "age_min",
        "age_max",
        "found_date",
        "found_place",
        "dialect",
        "appearance",
        "published_at",
    }
    photo = client.get(f"/portal/rescue/notices/{notice.pk}/photo/")
    assert photo.status_code == 200 and photo["Content-Type"] == "image/jpeg"


def test_notice_search_by_sex_age_place_time_and_dialect(rescue_staff, station):
    _case(rescue_staff, station)
    _case(
        rescue_staff,
        station,
        sex="F",
        age_min=20,
        age_max=25,
        dialect="客家话",
        found_place="九江镇",
        found_date=dt.date(2021, 6, 1),
    )
    search = selectors.NoticeFilters
    assert selectors.public_notices(search(sex="F")).count() == 1
    assert selectors.public_notices(search(age=80)).count() == 1  # 65–75 within ten years
    assert selectors.public_notices(search(place="九江")).count() == 1
    assert selectors.public_notices(search(since=dt.date(2021, 5, 1))).count() == 1
    assert selectors.public_notices(search(dialect="粤语")).count() == 1


def test_long_stay_cases_are_flagged_until_the_notice_is_updated(rescue_staff, station):
    case = _case(rescue_staff, station)
    old = case.intake_at - dt.timedelta(days=31)
    Case.objects.filter(pk=case.pk).update(intake_at=old)
    Notice.objects.filter(case=case).update(updated_at=old)
    assert list(selectors.long_stay_cases(user=rescue_staff)) == [case]
    services.notice_update(
        actor=rescue_staff,
        notice=Notice.objects.get(case=case),
        title="寻亲公告（更新）",
        appearance="蓝色外套",
    )
    assert list(selectors.long_stay_cases(user=rescue_staff)) == []


# ---------------------------------------------------------------- reports and matching


def test_report_stores_phone_encrypted_with_hash_and_mask(rescue_staff):
    report = _report(rescue_staff)
    raw = MissingReport.objects.filter(pk=report.pk).values_list("contact_phone", flat=True)
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT contact_phone FROM rescue_missingreport WHERE id = %s", [report.pk])
        stored = cur.fetchone()[0]
    assert "13800138000" not in stored and list(raw) == ["13800138000"]
    assert report.contact_phone_masked == "138****8000" and len(report.contact_phone_hash) == 32
    assert report.external_id == f"XQ{report.pk:08d}"
    assert ReportKey.objects.filter(report=report, key="M|j:wong|zi").exists()


def _filler(staff, n=60):
    from random import Random

    from minzheng.registry.names import random_name

    rng = Random(3)
    rows = [
        {
            "external_id": f"F{i:04d}",
            "name": random_name(rng, "M"),
            "sex": "M",
            "birth_date": "",
            "birth_year": str(rng.randint(1940, 1960)),
            "missing_date": "2021-02-20",
            "missing_place": "狮山镇松岗",
            "description": "",
            "contact": "",
        }
        for i in range(n)
    ]
    assert services.reports_import(actor=staff, rows=rows)[0] == n


@pytest.mark.parametrize(
    "told, kw",
    [
        ("王志强", {}),  # Cantonese homophone
        ("黄志墙", {}),  # Mandarin homophone
        ("黄自钱", {}),  # fuzzy initial and final
        ("黄强志", {}),  # swapped
        ("黄", {}),  # surname only
        ("", {}),  # no name
        ("王志强", {"age_min": 80, "age_max": 81}),  # age off by ten years
        ("王志强", {"found_place": "贵城登湖"}),  # misheard place
    ],
)
def test_database_path_finds_the_report_in_top_3(rescue_staff, station, told, kw):
    _filler(rescue_staff)
    target = _report(rescue_staff)
    case = _case(rescue_staff, station, told_name=told, **kw)
    services.case_rematch(case_id=case.pk)
    top = list(
        MatchCandidate.objects.filter(case=case)
        .order_by("rank")
        .values_list("report__external_id", flat=True)[:3]
    )
    assert target.external_id in top


def test_similar_looking_name_found_through_the_database(rescue_staff, station):
    _filler(rescue_staff)
    target = _report(rescue_staff, name="陈己明")
    case = _case(rescue_staff, station, told_name="陈已明")
    services.case_rematch(case_id=case.pk)
    first = MatchCandidate.objects.filter(case=case).order_by("rank").first()
    assert first.report == target and "字形相近（已/己）" in first.reasons


def test_decisions_are_kept_and_never_change_scores(rescue_staff, station):
    _filler(rescue_staff, 20)
    target = _report(rescue_staff)
    other = _report(rescue_staff, name="王志强", missing_date=dt.date(2021, 2, 1))
    case = _case(rescue_staff, station)
    services.case_rematch(case_id=case.pk)
    rejected = MatchCandidate.objects.get(case=case, report=other)
    score_before = rejected.score
    services.candidate_decide(
        actor=rescue_staff, candidate=rejected, decision="rejected", reason="家属视频辨认不是本人"
    )
    services.case_rematch(case_id=case.pk)
    rejected.refresh_from_db()
    assert (rejected.decision, rejected.decision_reason, rejected.score) == (
        "rejected",
        "家属视频辨认不是本人",
        score_before,
    )
    with pytest.raises(ValidationError) as exc:
        services.candidate_decide(
            actor=rescue_staff,
            candidate=MatchCandidate.objects.get(case=case, report=target),
            decision="confirmed",
            reason="",
        )
    assert exc.value.message_dict["reason"] == ["请填写核实说明（如：经家属视频辨认）。"]
    confirmed = services.candidate_decide(
        actor=rescue_staff,
        candidate=MatchCandidate.objects.get(case=case, report=target),
        decision="confirmed",
        reason="经家属视频辨认",
    )
    case.refresh_from_db()
    target.refresh_from_db()
    assert confirmed.decision == Decision.CONFIRMED and confirmed.decided_by == rescue_staff
    assert (
        target.status == ReportStatus.FOUND
        and case.confirmed_report == target
        and case.state == "to_return"
    )
    assert MissingReport.objects.count() == 22  # nothing merged, nothing removed


def test_editing_a_case_reruns_matching(rescue_staff, station, django_capture_on_commit_callbacks):
    target = _report(rescue_staff, name="欧国明")
    with django_capture_on_commit_callbacks(execute=True):
        case = _case(rescue_staff, station, told_name="")
    with django_capture_on_commit_callbacks(execute=True):
        services.case_update(actor=rescue_staff, case=case, data=intake(told_name="区国明"))
    first = MatchCandidate.objects.filter(case=case).order_by("rank").first()
    assert first.report == target
    assert any(
        "区/欧" in r for r in first.reasons
    )  # the surname 区 reads ou (Mandarin) and au1 (Cantonese)


def test_adding_a_report_reruns_matching_for_open_cases(
    rescue_staff, station, django_capture_on_commit_callbacks
):
    case = _case(rescue_staff, station)
    with django_capture_on_commit_callbacks(execute=True):
        report = _report(rescue_staff)
    assert MatchCandidate.objects.filter(case=case, report=report).exists()


# ---------------------------------------------------------------- return home


def test_return_closes_case_takes_notice_down_and_records_costs(
    rescue_staff, station, client, fund_returns
):
    fund_returns("1000")
    case = _case(rescue_staff, station)
    data = return_input()
    ret = services.return_record(actor=rescue_staff, case=case, data=data)
    case.refresh_from_db()
    assert case.state == "returned" and case.closed_at is not None
    assert ret.cost_total == Decimal("436.50")
    assert Notice.objects.get(case=case).status == "taken_down"
    assert client.get(f"/portal/rescue/notices/{case.notice.pk}/").status_code == 404
    with pytest.raises(ValidationError):
        services.return_record(actor=rescue_staff, case=case, data=data)
    assert ReturnHome.objects.count() == 1


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("cost_meals", "-1", "金额须为不小于 0 的数，最多两位小数（元）。"),
        ("cost_other", "1.234", "金额须为不小于 0 的数，最多两位小数（元）。"),
        ("return_date", dt.date(2021, 3, 1), "送返日期不能早于发现日期。"),
    ],
)
def test_bad_return_writes_nothing(rescue_staff, station, field, value, message):
    case = _case(rescue_staff, station)
    data = return_input(
        escort="张三",
        handover_to="station",
        handover_name="玉林市救助站",
        cost_transport="0",
        cost_meals="0",
    )
    setattr(data, field, value)
    with pytest.raises(ValidationError) as exc:
        services.return_record(actor=rescue_staff, case=case, data=data)
    assert exc.value.message_dict[field] == [message]
    case.refresh_from_db()
    assert case.state == "checked_in" and ReturnHome.objects.count() == 0


def test_monthly_statistics(rescue_staff, station):
    case = _case(rescue_staff, station, found_date=dt.date(2021, 3, 5))
    _case(rescue_staff, station, found_date=dt.date(2021, 4, 2))
    services.return_record(
        actor=rescue_staff,
        case=case,
        data=services.ReturnInput(
            destination="x",
            escort="y",
            transport="z",
            handover_to="family",
            handover_name="w",
            return_date=dt.date(2021, 4, 4),
        ),
    )
    rows = {r.month: r for r in selectors.monthly_stats(user=rescue_staff, year=2021)}
    assert (
        rows[3].intakes,
        rows[3].returns,
        rows[4].intakes,
        rows[4].returns,
        rows[4].average_days,
    ) == (1, 0, 1, 1, 30.0)


def test_other_division_staff_cannot_see_the_case(rescue_staff, jiujiang_rescue, station, client):
    case = _case(rescue_staff, station)
    client.force_login(jiujiang_rescue)
    assert client.get(f"/staff/rescue/cases/{case.pk}/").status_code == 404
    assert selectors.case_list(user=jiujiang_rescue).count() == 0


# ---------------------------------------------------------------- import and batch matching


HEADER = (
    "external_id,name,sex,birth_date,birth_year,missing_date,missing_place,description,contact\n"
)


def test_import_reports_all_rows(rescue_staff, tmp_path, capsys):
    path = tmp_path / "r.csv"
    path.write_text(
        HEADER + "A1,黄志强,M,1950-01-02,,2021-03-01,桂城街道,蓝色外套,13800138000\n"
        "A2,陈丽芳,F,,1955,2021-02-01,九江镇,,\n",
        encoding="utf-8",
    )
    call_command("rescue_import_reports", str(path), user="rescue_staff")
    assert list(
        MissingReport.objects.order_by("external_id").values_list(
            "external_id", "birth_year", "source"
        )
    ) == [("A1", 1950, "import"), ("A2", 1955, "import")]
    assert ReportKey.objects.filter(report__external_id="A1").count() > 0


def test_import_with_bad_rows_reports_row_and_column_and_imports_nothing(
    rescue_staff, tmp_path, capsys
):
    path = tmp_path / "r.csv"
    path.write_text(
        HEADER + "A1,黄志强,M,1950-01-02,,2021-03-01,桂城街道,,\n"
        "A2,陈丽芳,X,,1955,2021-02-01,九江镇,,\n"
        "A3,李明,M,,,2021-13-01,里水镇,,12\n"
        "A1,何伟,M,,,2021-01-01,里水镇,,\n",
        encoding="utf-8",
    )
    with pytest.raises(CommandError, match="未导入任何记录"):
        call_command("rescue_import_reports", str(path), user="rescue_staff")
    err = capsys.readouterr().err
    assert "第 3 行，列 sex：性别须为“M”（男）或“F”（女）。" in err
    assert "第 4 行，列 missing_date：日期格式应为 YYYY-MM-DD。" in err
    assert "第 4 行，列 contact：" in err
    assert "第 5 行，列 external_id：外部编号“A1”重复。" in err
    assert MissingReport.objects.count() == 0 and ReportKey.objects.count() == 0


def test_rescue_match_batch(rescue_staff, tmp_path):
    _filler(rescue_staff, 30)
    target = _report(rescue_staff)
    queries = tmp_path / "q.jsonl"
    queries.write_text(
        json.dumps(
            {
                "id": "q1",
                "name": "王志强",
                "sex": "M",
                "age_min": 65,
                "age_max": 75,
                "found_date": "2021-03-05",
                "found_place": "桂城街道",
                "description": "蓝色外套",
            },
            ensure_ascii=False,
        )
        + "\n",
        encoding="utf-8",
    )
    out = tmp_path / "r.jsonl"
    call_command("rescue_match", input=str(queries), output=str(out), top=10)
    result = json.loads(out.read_text(encoding="utf-8"))
    assert result["id"] == "q1" and len(result["candidates"]) <= 10
    first = result["candidates"][0]
    assert first["external_id"] == target.external_id and set(first) == {
        "external_id",
        "score",
        "reasons",
    }
    assert "粤语读音相同（王/黄 wong4）" in first["reasons"]


def test_rescue_match_bad_json_line_names_the_line_and_writes_nothing(tmp_path):
    queries = tmp_path / "q.jsonl"
    queries.write_text('{"id": "q1", "name": "王志强"}\n{"id": "q2", name}\n', encoding="utf-8")
    out = tmp_path / "r.jsonl"
    with pytest.raises(CommandError, match="第 2 行不是有效的 JSON"):
        call_command("rescue_match", input=str(queries), output=str(out), top=10)
    assert not out.exists()


def test_editing_a_report_rebuilds_its_keys_and_reruns_matching(
    rescue_staff, station, django_capture_on_commit_callbacks
):
    case = _case(rescue_staff, station, told_name="欧国明")
    report = _report(rescue_staff, name="李明")
    with django_capture_on_commit_callbacks(execute=True):
        services.report_update(
            actor=rescue_staff, report=report, data=report_input(name="区国明", contact_phone="")
        )
    assert ReportKey.objects.filter(report=report, key="M|j:au|gwok").exists()
    assert not ReportKey.objects.filter(report=report, key__contains="lei").exists()
    assert MatchCandidate.objects.filter(case=case).order_by("rank").first().report == report
    report.refresh_from_db()
    assert report.contact_phone_masked == "138****8000"  # an empty phone keeps the stored one
