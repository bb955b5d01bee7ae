"""Master data of the welfare app: stalls, employers, vacancies, training courses. Children,
activities, sessions and services are kept through the services (the workbench)."""

from django.contrib import admin

from minzheng.core.admin import ScopedHistoryAdmin, ScopedModelAdmin

from .models import Employer, Stall, TrainingCourse, Vacancy


@admin.register(Stall)
class StallAdmin(ScopedModelAdmin):
    list_display = ("title", "place", "division", "held_on")
    search_fields = ("title",)


@admin.register(Employer)
class EmployerAdmin(ScopedHistoryAdmin):
    list_display = ("name", "division", "staff_count")
    search_fields = ("name",)


@admin.register(Vacancy)
class VacancyAdmin(ScopedHistoryAdmin):
    list_display = ("title", "employer", "positions", "accommodation", "is_open")
    search_fields = ("title",)


@admin.register(TrainingCourse)
class TrainingCourseAdmin(ScopedHistoryAdmin):
    list_display = ("title", "provider", "division", "starts_on", "ends_on")
