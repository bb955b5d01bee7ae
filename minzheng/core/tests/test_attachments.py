import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from minzheng.core.models import Attachment, OperationLog
from minzheng.core.services import attachment_add
from minzheng.registry.services import PersonInput, person_register

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def person(guicheng_worker):
    return person_register(
        actor=guicheng_worker,
        data=PersonInput(name="陈大文", residence_division_code="440605011001"),
    )


@pytest.mark.django_db
def test_attachment_stored_outside_web_root_and_served_only_in_scope(
    client, guicheng_worker, jiujiang_worker, person, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    a = attachment_add(
        actor=guicheng_worker, owner=person, upload=SimpleUploadedFile("证明.pdf", PDF), kind="证明"
    )
    assert (
        a.file.path.startswith(str(tmp_path))
        and a.token in a.file.name
        and "证明" not in a.file.name
    )

    client.force_login(jiujiang_worker)
    assert client.get(f"/staff/attachments/{a.token}/").status_code == 404
    client.force_login(guicheng_worker)
    response = client.get(f"/staff/attachments/{a.token}/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert OperationLog.objects.filter(action="download", target_id=str(a.pk)).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("病历.exe", b"MZ\x90\x00", "不支持的文件类型"),
        ("病历.pdf", b"GIF89a", "文件内容与扩展名"),
        ("空.pdf", b"", "文件是空的"),
    ],
)
def test_wrong_files_are_refused_clearly(
    guicheng_worker, person, name, content, message, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    with pytest.raises(ValidationError) as exc:
        attachment_add(
            actor=guicheng_worker, owner=person, upload=SimpleUploadedFile(name, content)
        )
    assert message in exc.value.message_dict["file"][0]
    assert Attachment.objects.count() == 0
    assert list(tmp_path.rglob("*.*")) == []


@pytest.mark.django_db
def test_too_large_file_refused(guicheng_worker, person, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.ATTACHMENT_MAX_BYTES = 1024
    with pytest.raises(ValidationError) as exc:
        attachment_add(
            actor=guicheng_worker,
            owner=person,
            upload=SimpleUploadedFile("a.pdf", PDF + b"0" * 2000),
        )
    assert "文件过大" in exc.value.message_dict["file"][0]
    assert Attachment.objects.count() == 0


@pytest.mark.django_db
def test_out_of_scope_upload_refused(jiujiang_worker, person, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with pytest.raises(ValidationError):
        attachment_add(actor=jiujiang_worker, owner=person, upload=SimpleUploadedFile("a.pdf", PDF))
    assert Attachment.objects.count() == 0
