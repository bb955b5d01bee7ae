from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

PARTY_SECRETARY = "党支部书记"
SECRETARY_PERMISSIONS = (
    "core.view_division",
    "core.view_policyparameter",
    "core.view_attachment",
    "core.add_attachment",
    "learning.view_*",
    "learning.add_studyissue",
    "learning.change_studyissue",
    "learning.add_monthlytest",
    "learning.add_event",
    "learning.add_eventattendance",
    "learning.review_reflection",
    "learning.export_learning",
)
# The bank is the bureau's: district officers keep it (import, edit).
OFFICER_PERMISSIONS = SECRETARY_PERMISSIONS + (
    "learning.import_question",
    "learning.change_question",
    "learning.add_secretarybranch",
)


def _pending_reflections(user) -> int:
    from .models import ReflectionState
    from .selectors import reflection_list

    return reflection_list(user=user, state=ReflectionState.SUBMITTED).count()


class LearningConfig(AppConfig):
    name = "minzheng.learning"
    label = "learning"
    verbose_name = _("党史学习教育")

    def ready(self) -> None:
        from minzheng.core.demo import DemoStep, add_demo_step
        from minzheng.core.navigation import (
            PortalService,
            StaffEntry,
            add_portal_service,
            add_staff_entry,
        )
        from minzheng.core.roles import DISTRICT_OFFICER, LEADER, Role, grant, register_role

        from . import demo

        register_role(
            Role(
                PARTY_SECRETARY,
                _("党支部书记：发布学习资料、组织测试与活动、审阅心得（本支部）"),
                SECRETARY_PERMISSIONS,
            )
        )
        grant(DISTRICT_OFFICER, *OFFICER_PERMISSIONS)
        grant(LEADER, "learning.view_*", "learning.export_learning")
        add_staff_entry(
            StaffEntry(
                _("党史学习"),
                "learning:home",
                "learning.view_studyissue",
                "📖",
                count=_pending_reflections,
                count_label=_("待审心得"),
                order=70,
            )
        )
        add_portal_service(
            PortalService(
                _("党史学习"),
                _("每日一学、学习资料、每月一测、心得体会（党员）"),
                "learning:portal_home",
                "📖",
                order=35,
            )
        )
        add_demo_step(DemoStep("learning", demo.run, order=70))
