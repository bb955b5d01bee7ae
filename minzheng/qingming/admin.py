"""Qingming master data: cemeteries, gates, car parks, seasons, slot templates, slots.

Reservations, scans and counters are written only by the services (capacity, limits,
counters) and read on the workbench; they are not in the admin. Slots are editable
(capacity, open/closed), but a capacity below the places already booked is refused.
"""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from unfold.admin import TabularInline

from minzheng.core.admin import ScopedHistoryAdmin, ScopedModelAdmin

from . import services
from .models import CarPark, Cemetery, Gate, Season, Slot, SlotTemplate, WalkInDay


class GateInline(TabularInline):
    model = Gate
    extra = 0


class CarParkInline(TabularInline):
    model = CarPark
    extra = 0


class SlotTemplateInline(TabularInline):
    model = SlotTemplate
    extra = 0


@admin.register(Cemetery)
class CemeteryAdmin(ScopedHistoryAdmin):
    list_display = ["name", "division", "max_inside", "is_illustrative", "is_active"]
    inlines = [GateInline, CarParkInline, SlotTemplateInline]


@admin.register(Season)
class SeasonAdmin(ScopedHistoryAdmin):
    list_display = [
        "name",
        "qingming_at",
        "starts_on",
        "ends_on",
        "booking_opens_at",
        "is_illustrative",
    ]
    actions = ["generate_slots"]

    @admin.action(description=_("按时段模板生成时段"))
    def generate_slots(self, request, queryset):
        for season in queryset:
            n = services.slots_generate(actor=request.user, season=season)
            messages.success(
                request, _("%(season)s：新生成 %(n)d 个时段。") % {"season": season, "n": n}
            )


@admin.register(WalkInDay)
class WalkInDayAdmin(ScopedModelAdmin):
    list_display = ["date", "cemetery", "season"]


class SlotForm(forms.ModelForm):
    class Meta:
        model = Slot
        fields = ["starts_at", "ends_at", "capacity", "car_capacity", "is_open"]

    def clean(self):
        data = super().clean()
        if self.instance.pk:
            if data.get("capacity") is not None and data["capacity"] < self.instance.booked:
                self.add_error(
                    "capacity",
                    _("已预约 %(n)d 人，可预约人数不能少于此数。") % {"n": self.instance.booked},
                )
            if (
                data.get("car_capacity") is not None
                and data["car_capacity"] < self.instance.cars_booked
            ):
                self.add_error(
                    "car_capacity",
                    _("已预约 %(n)d 个车位，车位数不能少于此数。")
                    % {"n": self.instance.cars_booked},
                )
        return data


@admin.register(Slot)
class SlotAdmin(ScopedModelAdmin):
    form = SlotForm
    list_display = [
        "cemetery",
        "date",
        "starts_at",
        "ends_at",
        "capacity",
        "booked",
        "car_capacity",
        "cars_booked",
        "is_open",
    ]
    list_filter = ["season", "cemetery", "is_open"]
    readonly_fields = ["booked", "cars_booked"]
    date_hierarchy = "date"

    def has_add_permission(self, request):
        return False  # slots come from the templates (Season → 按时段模板生成时段)
