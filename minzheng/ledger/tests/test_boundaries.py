"""Apps reach the ledger through its chart of accounts, services and selectors only."""

import re
from pathlib import Path

APPS = Path(__file__).resolve().parents[2]
FORBIDDEN = re.compile(
    r"^\s*from minzheng\.ledger\.models import|^\s*from minzheng\.ledger import models"
)


def test_no_app_outside_the_ledger_imports_its_models():
    offenders = [
        str(path.relative_to(APPS))
        for path in APPS.glob("*/**/*.py")
        if path.parts[len(APPS.parts)] != "ledger"
        and "tests" not in path.parts
        and "migrations" not in path.parts
        and any(FORBIDDEN.match(line) for line in path.read_text(encoding="utf-8").splitlines())
    ]
    assert offenders == []


def test_no_app_names_an_account_code_outside_the_chart():
    literal = re.compile(r"""["'](BANK|BUDGET:|PAYABLE:|RESERVE:|FUNDING:)""")
    offenders = [
        str(path.relative_to(APPS))
        for path in APPS.glob("*/**/*.py")
        if path.parts[len(APPS.parts)] != "ledger"
        and "tests" not in path.parts
        and "migrations" not in path.parts
        and literal.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
