"""The JSON encoder of the project's JSON columns: Django's (dates, decimals) writing Chinese
as Chinese. Readers of the raw JSON (the admin's read-only views, exports of a column) see
"姓名", not "\\u59d3\\u540d"; the stored value is the same JSON either way."""

from __future__ import annotations

from django.core.serializers.json import DjangoJSONEncoder


class ReadableJSONEncoder(DjangoJSONEncoder):
    def __init__(self, *args, **kwargs):
        kwargs["ensure_ascii"] = False
        super().__init__(*args, **kwargs)
