from django import forms
from django.utils.translation import gettext_lazy as _

from minzheng.core.forms_util import StyledFormMixin

from .models import ProxySweep, Reservation


class BookingForm(StyledFormMixin, forms.Form):
    name = forms.CharField(label=_("祭扫人姓名"), max_length=40)
    id_number = forms.CharField(
        label=_("祭扫人身份证号码"),
        max_length=24,
        help_text=_("入园时请携带此身份证。可为家中老人代约。"),
    )
    party_size = forms.IntegerField(label=_("同行人数（含本人）"), min_value=1, initial=1)
    plate = forms.CharField(
        label=_("车牌号（不开车可不填）"),
        max_length=12,
        required=False,
        help_text=_("每单限一辆车，例如 粤A12345 或新能源 粤AD12345。"),
    )

    def __init__(self, *args, party_max: int = 5, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["party_size"].max_value = party_max
        self.fields["party_size"].widget.attrs.update(max=party_max, inputmode="numeric")
        self.fields["party_size"].help_text = _("每单最多 %(n)d 人。") % {"n": party_max}
        self.fields["id_number"].widget.attrs.update(autocomplete="off", inputmode="text")


class CounterBookingForm(BookingForm):
    phone = forms.CharField(label=_("联系手机"), max_length=20, help_text=_("用于接收预约短信。"))
    channel = forms.ChoiceField(
        label=_("代约方式"),
        choices=[
            (Reservation.Channel.COUNTER, _("窗口代约")),
            (Reservation.Channel.PHONE, _("电话代约")),
        ],
    )


class ProxySweepForm(StyledFormMixin, forms.Form):
    cemetery = forms.ChoiceField(label=_("墓园"))
    deceased_name = forms.CharField(label=_("逝者姓名"), max_length=40)
    grave_location = forms.CharField(label=_("墓位（区、排、号）"), max_length=80)
    wish_date = forms.DateField(label=_("希望日期"), widget=forms.DateInput(attrs={"type": "date"}))
    contact_name = forms.CharField(label=_("联系人"), max_length=40)

    def __init__(self, *args, cemeteries=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cemetery"].choices = [("", "—")] + [(c.pk, c.name) for c in cemeteries]


class ProxyUpdateForm(StyledFormMixin, forms.Form):
    to = forms.ChoiceField(label=_("操作"), choices=ProxySweep.Status.choices)
    note = forms.CharField(label=_("办理说明"), max_length=200, required=False)
    paid = forms.BooleanField(label=_("已缴费"), required=False)
    photo = forms.FileField(label=_("祭扫照片（完成时上传）"), required=False)

    def __init__(self, *args, moves=None, **kwargs):
        super().__init__(*args, **kwargs)
        if moves is not None:  # only the declared moves from the sweep's status
            self.fields["to"].choices = [(m.target, _(m.label)) for m in moves]


class MemorialForm(StyledFormMixin, forms.Form):
    deceased_name = forms.CharField(label=_("逝者姓名"), max_length=40)
    years = forms.CharField(label=_("生卒年（可不填）"), max_length=30, required=False)
    epitaph = forms.CharField(label=_("寄语（可不填）"), max_length=200, required=False)


class MessageForm(StyledFormMixin, forms.Form):
    text = forms.CharField(
        label=_("留言"), max_length=300, widget=forms.Textarea(attrs={"rows": 3})
    )
