from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from minzheng.core.forms_util import StyledFormMixin

from .models import OperationLog
from .validators import validate_event_date


class StaffLoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("用户名或密码不正确。连续输错 %(limit)s 次后账号将被暂时锁定。"),
        "inactive": _("该账号已停用，请联系系统管理员。"),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = _("用户名")
        self.fields["password"].label = _("密码")

    def get_invalid_login_error(self):
        from django.conf import settings

        return forms.ValidationError(
            self.error_messages["invalid_login"] % {"limit": settings.AXES_FAILURE_LIMIT},
            code="invalid_login",
        )

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if user.kind != user.Kind.STAFF:
            raise forms.ValidationError(
                _("群众请从“群众服务”入口使用手机号登录。"), code="not_staff"
            )


class OperationLogFilterForm(StyledFormMixin, forms.Form):
    username = forms.CharField(label=_("用户名"), required=False)
    action = forms.ChoiceField(
        label=_("操作"),
        required=False,
        choices=[("", _("全部"))] + list(OperationLog.Action.choices),
    )
    target = forms.CharField(label=_("对象（类型或编号）"), required=False)
    date_from = forms.DateField(
        label=_("起始日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_event_date],
    )
    date_to = forms.DateField(
        label=_("截止日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_event_date],
    )
