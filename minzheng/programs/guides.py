"""办事指南 (service guides) of the programmes residents may apply for on the portal: who
may apply, in plain words. The documents come from the programme (`documents_required`)
and the time limits from the policy parameters, so only the eligibility text lives here.

The texts summarise the national and provincial rules each programme follows (临时救助:
《国务院关于全面建立临时救助制度的通知》国发〔2014〕47号; 教育救助: 《社会救助暂行办法》
第五章); the applicant's case is always checked by the caseworker, which the page says."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

ELIGIBILITY = {
    "temporary_assistance": _(
        "因火灾、交通事故、突发重大疾病等意外事件（急难型），或因医疗、教育等必需支出突然增加"
        "超出家庭承受能力（支出型），导致基本生活暂时出现严重困难的南海区户籍或常住家庭。"
        "同一事由每户每年申请一次。"
    ),
    "education_aid": _(
        "最低生活保障家庭、特困供养人员和低收入家庭中，在义务教育、高中阶段教育或高等教育在读的学生。"
    ),
    "disability_employment": _("持有残疾人证、已就业或自主创业的南海区户籍残疾人。"),
    "social_worker_grant": _(
        "取得社会工作者职业水平证书、在南海区社会工作服务机构在职的社会工作者。"
    ),
}

TIME_LIMITS = (
    ("programs_days_submitted", _("受理")),
    ("programs_days_investigation", _("调查核实")),
    ("programs_days_review", _("审核审批")),
    ("programs_days_approved", _("发放")),
)
