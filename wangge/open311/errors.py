"""Errors as GeoReport v2 answers them: an HTTP status (404 for what does not exist, 403 for a
missing or wrong api_key, 400 for everything else) and a body `errors` listing each error's
`code` (the HTTP status, as the specification's examples do) and `description` (our
translated message). Our stable error code (`answer_required`, `outside_every_grid`, …) goes
in the `Wangge-Error-Code` header, so the body stays exactly the specification's."""

from django.http import HttpResponse
from django.utils.functional import Promise

from wangge.lib.errors import DomainError, ErrorCode
from wangge.open311.render import render

ERROR_CODE_HEADER = "Wangge-Error-Code"


class Open311Code(ErrorCode):
    """The codes the Open311 adapter raises itself (the case chain's own, such as
    `answer_invalid` or `location_required`, are `cases.errors.CaseError`)."""

    # The request as such
    NOT_FOUND = "not_found", 404, "no such Open311 resource"
    UNKNOWN_FORMAT = "unknown_format", 404, "a format other than .xml or .json"
    METHOD_NOT_ALLOWED = "method_not_allowed", 400, "a method the resource does not take"
    UNSUPPORTED_CONTENT_TYPE = "unsupported_content_type", 400, "a body neither form-encoded nor multipart"
    INVALID_UTF8 = "invalid_utf8", 400, "the request is not valid UTF-8"
    TOO_MANY_FIELDS = "too_many_fields", 400, "the request has too many parameters"
    PARAMETER_TOO_LONG = "parameter_too_long", 400, "a parameter longer than it may be"
    NOT_A_NUMBER = "not_a_number", 400, "a parameter that must be a number"
    NOT_A_POSITIVE_INTEGER = "not_a_positive_integer", 400, "a parameter that must be a positive integer"
    INVALID_DATETIME = "invalid_datetime", 400, "not a W3C date-time with a time zone, or a year out of range"

    # Jurisdictions, services, keys
    JURISDICTION_NOT_FOUND = "jurisdiction_not_found", 404, "no jurisdiction has this jurisdiction_id"
    JURISDICTION_REQUIRED = "jurisdiction_required", 400, "the server serves several jurisdictions"
    SERVICE_CODE_REQUIRED = "service_code_required", 400, "service_code is missing"
    SERVICE_CODE_NOT_FOUND = "service_code_not_found", 404, "no service has this service_code"
    API_KEY_REQUIRED = "api_key_required", 403, "filing needs an api_key"
    API_KEY_INVALID = "api_key_invalid", 403, "the api_key is unknown or revoked"
    API_KEY_WRONG_JURISDICTION = "api_key_wrong_jurisdiction", 403, "the api_key belongs to another jurisdiction"

    # Listing requests
    SERVICE_REQUEST_NOT_FOUND = "service_request_not_found", 404, "no service request has this id"
    TOKEN_NOT_FOUND = "token_not_found", 404, "no request has this token"
    TOO_MANY_IDS = "too_many_ids", 400, "more than 1000 service_request_id at once"
    STATUS_INVALID = "status_invalid", 400, "status is open, closed, or both"
    DATE_RANGE_INVALID = "date_range_invalid", 400, "the end lies before the start"
    DATE_RANGE_TOO_LONG = "date_range_too_long", 400, "start_date and end_date more than 90 days apart"

    # Filing a request
    UNKNOWN_COORDINATE_SYSTEM = "unknown_coordinate_system", 400, "coordinate_system is wgs84, gcj02 or bd09"
    LAT_LONG_TOGETHER = "lat_long_together", 400, "lat without long, or long without lat"
    ADDRESS_ID_UNKNOWN = "address_id_unknown", 400, "no building of the jurisdiction has this address_id"
    EMAIL_INVALID = "email_invalid", 400, "the e-mail address is not valid"
    PHONE_INVALID = "phone_invalid", 400, "the phone number is not valid"
    MEDIA_URL_INVALID = "media_url_invalid", 400, "media_url is not an http or https URL"
    NAME_TOO_LONG = "name_too_long", 400, "first_name or last_name longer than 50 characters"
    IDENTIFIER_TOO_LONG = "identifier_too_long", 400, "device_id or account_id longer than 200 characters"
    TOO_MANY_PHOTOS = "too_many_photos", 400, "more photos than a request takes"

    # API keys (`wangge apikey`, the page /manage/keys/)
    API_KEY_NAME_INVALID = "api_key_name_invalid", 400, "the key's name is blank or longer than 100 characters"
    NOT_A_DISTRICT = "not_a_district", 400, "an API key belongs to a district"
    API_KEY_NAME_TAKEN = "api_key_name_taken", 400, "there is already a key with this name"
    API_KEY_UNKNOWN = "api_key_unknown", 404, "there is no key with this name"
    API_KEY_REVOKED = "api_key_revoked", 409, "the key is already revoked"
    DISTRICT_NOT_ADMINISTERED = "district_not_administered", 404, "not a district the caller administers"


class Open311Error(Exception):
    def __init__(self, status: int, code: str, description: str | Promise) -> None:
        super().__init__(str(code))
        self.status = status
        self.errors: list[tuple[str, str]] = [(str(code), str(description))]

    @classmethod
    def from_domain(cls, error: DomainError) -> "Open311Error":
        """A rule of the platform broken by the input: 400 (the specification keeps 404 for a
        jurisdiction or service_code that does not exist), or 429 when the rate limit is hit."""
        return cls(429 if error.status == 429 else 400, error.code, error.message)

    def body(self) -> list[dict[str, object]]:
        return [{"code": self.status, "description": description} for _code, description in self.errors]

    @property
    def codes(self) -> str:
        return ", ".join(code for code, _description in self.errors)


def respond(fmt: str, error: Open311Error, **headers: str) -> HttpResponse:
    """The error as answered: the specification's `errors` body in `fmt`, our codes in the header."""
    response = render(fmt, "errors", error.body(), status=error.status)
    response[ERROR_CODE_HEADER] = error.codes
    for name, value in headers.items():
        response[name] = value
    return response


def format_of(path: str) -> str:
    """The answer's format for a path under /open311/v2/: JSON for `.json`, else XML (the
    specification's required format)."""
    return "json" if path.endswith(".json") else "xml"


def bad_request(code: ErrorCode, description: str | Promise) -> Open311Error:
    return Open311Error(400, code, description)


def not_found(code: ErrorCode, description: str | Promise) -> Open311Error:
    return Open311Error(404, code, description)


def forbidden(code: ErrorCode, description: str | Promise) -> Open311Error:
    return Open311Error(403, code, description)
