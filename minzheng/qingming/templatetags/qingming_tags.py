from django import template

register = template.Library()


@register.filter
def thousands(value) -> str:
    """1268641 → "1,268,641" whatever the locale's grouping (zh-hans sets none)."""
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return value
