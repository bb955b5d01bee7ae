import pytest


@pytest.fixture
def world(district_officer, make_staff):
    """The bureau's branch with two members, a town branch with one, a secretary of the
    bureau's branch and the four-question bank."""
    from minzheng.core.services import parameters_ensure_defaults
    from minzheng.learning import rules as learning_rules
    from minzheng.learning import services as ls

    from . import factories as f

    parameters_ensure_defaults(learning_rules.PARAMETER_DEFAULTS)
    bureau = f.branch()
    town = f.branch("桂城街道第一党支部", f.GUICHENG)
    world = {
        "officer": district_officer,
        "bureau": bureau,
        "town": town,
        "m1": f.member(district_officer, bureau, name="陈红"),
        "m2": f.member(district_officer, bureau, name="李明"),
        "m3": f.member(district_officer, town, name="黄强"),
        "secretary": f.secretary(make_staff, bureau),
    }
    ls.question_import(actor=district_officer, content=f.bank_xlsx(), filename="bank.xlsx")
    return world
