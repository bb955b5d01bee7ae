import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from minzheng.core.models import Job, OperationLog, User
from minzheng.core.services import job_create

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.django_db
def test_home_shows_counts_of_own_scope(client, guicheng_worker, jiujiang_worker):
    from minzheng.registry.tests.factories import person

    person(guicheng_worker, name="甲", division="440605011001")
    person(jiujiang_worker, name="乙", division="440605121201")
    person(jiujiang_worker, name="丙", division="440605121201")
    client.force_login(jiujiang_worker)
    page = client.get("/staff/").content.decode()
    tile = page.split('data-testid="tile-registry:person_list"', 1)[1].split("</a>", 1)[0]
    assert '<div class="count">2</div>' in tile
    assert "人口库人数" in tile  # a number says what it counts


@pytest.mark.django_db
def test_every_home_number_says_what_it_counts_and_when(client, leader):
    import re

    from minzheng.core.navigation import STAFF

    client.force_login(leader)
    page = client.get("/staff/").content.decode()
    assert re.search(r"数字截至 \d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}", page)
    for tile in page.split('class="mz-tile"')[1:]:
        tile = tile.split("</a>", 1)[0]
        if 'class="count"' in tile:
            assert 'class="small text-body-secondary">' in tile.split('class="count"', 1)[1]
    assert all(e.count is None or e.count_label for e in STAFF), "a count without its label"


@pytest.mark.django_db
def test_operation_log_search_for_leaders_only(client, leader, guicheng_worker):
    OperationLog.objects.create(
        username="guicheng_worker", action="export", summary="导出人员 3 行"
    )
    OperationLog.objects.create(username="jiujiang_worker", action="reveal", summary="查看 张三")
    client.force_login(guicheng_worker)
    assert client.get("/staff/operation-log/").status_code == 403
    client.force_login(leader)
    page = client.get("/staff/operation-log/", {"action": "export"}).content.decode()
    assert "导出人员 3 行" in page and "查看 张三" not in page


@pytest.mark.django_db
def test_job_page_only_for_its_owner(client, guicheng_worker, jiujiang_worker):
    job = job_create(actor=guicheng_worker, kind="test")
    Job.objects.filter(pk=job.pk).update(status="running", done=30, total=120)
    client.force_login(jiujiang_worker)
    assert client.get(f"/staff/jobs/{job.pk}/").status_code == 404
    client.force_login(guicheng_worker)
    page = client.get(f"/staff/jobs/{job.pk}/").content.decode()
    assert 'aria-valuenow="25"' in page and 'hx-trigger="every 1s"' in page


@pytest.mark.django_db
def test_elder_mode_is_remembered(client):
    response = client.get("/elder-mode/", {"on": "1", "next": "/staff/login/"})
    assert response.status_code == 302 and response["Location"] == "/staff/login/"
    assert response.cookies["mz_elder"].value == "1"
    assert '<html lang="zh-hans" class="elder">' in client.get("/staff/login/").content.decode()
    client.get("/elder-mode/", {"on": "0"})
    assert 'class="elder"' not in client.get("/staff/login/").content.decode()


def test_elder_mode_refuses_offsite_redirect(client):
    assert (
        client.get("/elder-mode/", {"on": "1", "next": "https://evil.example/"})["Location"] == "/"
    )


@pytest.mark.django_db
def test_static_assets_are_local(client):
    page = client.get("/staff/login/").content.decode()
    assert (
        "/static/vendor/bootstrap/css/bootstrap.min.css" in page
        and "//cdn" not in page
        and "https://" not in page
    )


@pytest.mark.django_db
def test_load_divisions_command_is_idempotent(tmp_path):
    from minzheng.core.models import Division

    csv = tmp_path / "d.csv"
    csv.write_text(
        "code,name,level,parent_code\n440606000000,顺德区,district,440600000000\n440606101000,大良街道,town,440606000000\n",
        encoding="utf-8",
    )
    call_command("load_divisions", str(csv))
    call_command("load_divisions", str(csv))
    assert Division.objects.get(code="440606101000").parent_id == "440606000000"
    assert Division.objects.filter(code__startswith="440606").count() == 2


@pytest.mark.django_db
def test_demo_is_idempotent():
    from minzheng.registry.models import Household, Person

    call_command("demo", password="Demo-Password-2026")
    counts = (User.objects.count(), Person.objects.count(), Household.objects.count())
    call_command("demo", password="Demo-Password-2026")
    assert (User.objects.count(), Person.objects.count(), Household.objects.count()) == counts
    # 700 households of the registry demo, and the welfare demo's 52 Mother's Day respite families.
    assert counts[1] > 2000 and counts[2] == 700 + 52
    prefixes = {
        n[:6] for n in Person.objects.exclude(id_number="").values_list("id_number", flat=True)
    }
    assert {"440605", "440682", "440622"} <= prefixes
    assert Person.objects.values("residence_division__parent").distinct().count() == 7
    assert User.objects.get(username="guicheng_worker").check_password("Demo-Password-2026")


PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "SECRET_KEY": "x" * 30 + "-production-secret-key-for-the-check-only",
    "FIELD_KEYS": "prod1:cHJvZHVjdGlvbi1rZXktZm9yLXRoZS1jaGVjay0zMjE=",
    "BLIND_INDEX_KEY": "production-blind-index-key",
    "SMS_BACKEND": "minzheng.core.sms.HttpGatewayBackend",
    "SMS_GATEWAY_URL": "https://sms-gateway.example.gov.cn/send",
    "ALLOWED_HOSTS": "minzheng.example.gov.cn",
    "PATH": "/usr/bin:/bin",
}


def test_production_settings_pass_deploy_check():
    env = {**PRODUCTION_ENV, "MINZHENG_VAR_DIR": str(ROOT / "var")}
    # Security checks at warning level (the API schema generator has its own, unrelated warnings).
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "check",
            "--deploy",
            "--tag",
            "security",
            "--fail-level",
            "WARNING",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_settings_refuse_development_keys():
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={"DJANGO_SETTINGS_MODULE": "config.settings.production", "PATH": "/usr/bin:/bin"},
    )
    assert (
        result.returncode != 0 and "Set SECRET_KEY, FIELD_KEYS and BLIND_INDEX_KEY" in result.stderr
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"SMS_BACKEND": "minzheng.core.sms.ConsoleBackend"}, "does not send messages"),
        ({"SMS_BACKEND": "minzheng.core.sms.MemoryBackend"}, "does not send messages"),
        ({"SMS_GATEWAY_URL": ""}, "SMS_GATEWAY_URL is needed"),
        ({"FIELD_KEYS": "prod1:not-base64!"}, "is not valid base64"),
        ({"FIELD_KEYS": "prod1:c2hvcnQ="}, "must be 32 bytes"),
        ({"FIELD_KEYS": "no-separator"}, "entries must look like"),
    ],
)
def test_production_refuses_a_console_sms_backend_and_malformed_keys(change, message):
    env = {**PRODUCTION_ENV, "MINZHENG_VAR_DIR": str(ROOT / "var"), **change}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0 and message in result.stderr, result.stderr[-600:]


def test_http_gateway_backend_posts_the_message_and_raises_on_refusal(settings):
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    from minzheng.core.sms import GatewayError, HttpGatewayBackend

    received, answers = [], [200, 503]

    class Gateway(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers["Content-Length"])
            received.append((self.headers["Authorization"], json.loads(self.rfile.read(length))))
            self.send_response(answers.pop(0))
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        settings.SMS_GATEWAY_URL = f"http://127.0.0.1:{server.server_port}/send"
        settings.SMS_GATEWAY_TOKEN = "t0ken"
        HttpGatewayBackend().send("13800001111", "验证码 123456")
        with pytest.raises(GatewayError):
            HttpGatewayBackend().send("13800001111", "验证码 654321")
    finally:
        server.shutdown()
        server.server_close()
    assert received[0] == (
        "Bearer t0ken",
        {"phone": "13800001111", "text": "验证码 123456", "signature": settings.SMS_SIGNATURE},
    )
