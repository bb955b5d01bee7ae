"""The OpenAPI schema: generated without a single warning or error, so that two serializers
that would share a component name (or any other schema mistake) fail the suite."""

from __future__ import annotations

from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema


def _schema() -> dict:
    GENERATOR_STATS.reset()
    schema = SchemaGenerator().get_schema(request=None, public=True)
    validate_schema(schema)  # OpenAPI 3 meta-schema; raises on an invalid document
    return schema


def _request_ref(schema: dict, path: str) -> str:
    body = schema["paths"][path]["post"]["requestBody"]["content"]["application/json"]
    return body["schema"]["$ref"].rsplit("/", 1)[1]


def test_schema_generation_has_no_warnings_or_errors():
    _schema()

    assert dict(GENERATOR_STATS._warn_cache) == {}
    assert dict(GENERATOR_STATS._error_cache) == {}


def test_booking_and_checkin_have_their_own_request_components():
    schema = _schema()
    components = schema["components"]["schemas"]

    booking = _request_ref(schema, "/api/v1/qingming/reservations/")
    checkin = _request_ref(schema, "/api/v1/qingming/checkins/")

    assert (booking, checkin) == ("BookingRequest", "CheckInScanRequest")
    assert set(components[booking]["properties"]) == {
        "slot",
        "name",
        "id_number",
        "party_size",
        "plate",
        "phone",
        "channel",
    }
    assert set(components[checkin]["properties"]) == {
        "gate",
        "direction",
        "nonce",
        "code",
        "kind",
        "people",
        "cars",
        "scanned_at",
    }
