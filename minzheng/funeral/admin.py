from django.contrib import admin

from .models import FuneralHome, HomeStaff, ServiceRecord, Settlement


@admin.register(FuneralHome)
class FuneralHomeAdmin(admin.ModelAdmin):
    list_display = ["name", "division", "contact_name", "is_demo", "is_active"]


@admin.register(HomeStaff)
class HomeStaffAdmin(admin.ModelAdmin):
    list_display = ["user", "home"]


@admin.register(ServiceRecord)
class ServiceRecordAdmin(admin.ModelAdmin):
    list_display = [
        "service_date",
        "deceased_name",
        "deceased_id_masked",
        "home",
        "amount",
        "settlement",
        "voided_at",
    ]
    list_filter = ["home"]
    exclude = ["deceased_id_number"]
    readonly_fields = [f.name for f in ServiceRecord._meta.fields if f.name != "deceased_id_number"]

    def has_add_permission(self, request):
        return False  # services are recorded through funeral.services only

    def has_delete_permission(self, request, obj=None):
        return False  # no hard delete: a wrong record is voided (funeral.services.service_void)


@admin.register(Settlement)
class SettlementAdmin(admin.ModelAdmin):
    list_display = ["home", "month", "revision", "status", "service_count", "total", "posted_on"]
    readonly_fields = [f.name for f in Settlement._meta.fields]

    def has_add_permission(self, request):
        return False
