from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QingmingConfig(AppConfig):
    name = "minzheng.qingming"
    label = "qingming"
    verbose_name = _("清明祭扫")

    def ready(self):
        from minzheng.core.demo import DemoStep, add_demo_step
        from minzheng.core.navigation import (
            PortalService,
            StaffEntry,
            add_portal_service,
            add_staff_entry,
        )
        from minzheng.core.roles import (
            COMMUNITY_WORKER,
            DISTRICT_OFFICER,
            LEADER,
            TOWN_CASEWORKER,
            Role,
            grant,
            register_role,
        )

        from . import demo, selectors
        from .roles import (
            CEMETERY_STAFF,
            CEMETERY_STAFF_PERMISSIONS,
            COMMUNITY_WORKER_PERMISSIONS,
            DISTRICT_OFFICER_PERMISSIONS,
            LEADER_PERMISSIONS,
        )

        register_role(
            Role(
                CEMETERY_STAFF,
                _("墓园工作人员：清明预约代办、入园核验、实时人流、代客祭扫与云祭扫审核"),
                CEMETERY_STAFF_PERMISSIONS,
            )
        )
        grant(LEADER, *LEADER_PERMISSIONS)
        grant(DISTRICT_OFFICER, *DISTRICT_OFFICER_PERMISSIONS)
        # Town and community workers book at the counter or by phone for residents.
        grant(TOWN_CASEWORKER, *COMMUNITY_WORKER_PERMISSIONS)
        grant(COMMUNITY_WORKER, *COMMUNITY_WORKER_PERMISSIONS)
        add_staff_entry(
            StaffEntry(
                _("清明祭扫"),
                "qingming:staff_home",
                "qingming.view_reservation",
                "🌼",
                selectors.today_reservation_count,
                count_label=_("今日预约"),
                order=40,
            )
        )
        add_portal_service(
            PortalService(
                _("清明祭扫预约"),
                _("实名预约祭扫时段，凭二维码入园"),
                "qingming:portal_home",
                "🌼",
                order=10,
            )
        )
        add_portal_service(
            PortalService(
                _("代客祭扫"),
                _("不能到场时，请墓园工作人员代为祭扫并回传照片"),
                "qingming:proxy_new",
                "🧹",
                order=11,
            )
        )
        add_portal_service(
            PortalService(
                _("云祭扫"),
                _("网上纪念馆：献花、留言寄哀思"),
                "qingming:memorial_list",
                "🕯",
                order=12,
            )
        )
        add_demo_step(DemoStep("qingming", demo.run, order=40))
