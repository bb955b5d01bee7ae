from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.forms import Form
from django.utils.translation import gettext as _


def add_service_errors(form: Form, exc: ValidationError) -> None:
    """Show a service's field → message errors on the form that collected the input."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            for error in errors:
                form.add_error(
                    field if field in form.fields else None,
                    error.messages[0] if error.messages else error,
                )
    else:
        for message in exc.messages:
            form.add_error(None, message)


def add_service_errors_where_free(form: Form, exc: ValidationError) -> None:
    """The service's errors for the fields the form's own checks passed: when the form is
    invalid, the view runs the service's validation on what did parse, so a person hears
    every problem in one round (a missing name *and* a wrong ID number), not one per submit."""
    if not hasattr(exc, "error_dict"):
        return
    for field, errors in exc.error_dict.items():
        if field in form.fields and field not in form.errors:
            for error in errors:
                form.add_error(field, error.messages[0] if error.messages else error)


# What the browser's date and time pickers accept as a value (HTML's own formats). Django
# renders a date with the active language's format (2026/12/02 in Chinese), which a
# type="date" input reads as empty, so pre-filled dates vanished and the browser blocked
# the form.
HTML_INPUT_FORMATS = {"date": "%Y-%m-%d", "datetime-local": "%Y-%m-%dT%H:%M", "time": "%H:%M"}


class StyledFormMixin:
    """Bootstrap classes on every widget, so templates render `{{ field }}` as is, and
    date/time inputs rendered in the formats the browser's pickers read."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            kind = getattr(widget, "input_type", "")
            if kind in HTML_INPUT_FORMATS and hasattr(widget, "format"):
                widget.format = HTML_INPUT_FORMATS[kind]
            css = (
                "form-select"
                if kind == "select"
                else "form-check-input"
                if kind in ("checkbox", "radio")
                else "form-control"
            )
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()
            if widget.is_hidden:
                # Filled by the page, never by the person: a missing one means a stale page.
                field.error_messages["required"] = _("页面已过期，请刷新页面后重新提交。")
            elif field.required and field.label:
                # "请填写姓名。" says which field, unlike the generic "该字段是必填项。"
                field.error_messages["required"] = _("请填写%(label)s。") % {"label": field.label}


def join_messages(messages: Iterable[str]) -> str:
    """Several messages as one line, with the separator of the user's language."""
    return _("；").join(str(m) for m in messages)


def form_error_text(form: Form) -> str:
    return join_messages(e for errors in form.errors.values() for e in errors)
