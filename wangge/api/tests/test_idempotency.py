"""`Idempotency-Key` on every POST under /api/v1/: a retry gets the first answer and creates
nothing twice; another request under the same key is refused; what is stored and what is not;
keys per owner; expiry and purge; the reusable `run_idempotent` for other views (Open311)."""

import datetime as dt
import io
import json

import pytest
import time_machine
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.utils import timezone
from PIL import Image

from wangge.accounts import actions as account_actions
from wangge.accounts.models import Role, User
from wangge.api import idempotency
from wangge.api.actions import purge_expired
from wangge.api.models import IdempotencyKey, RateCounter
from wangge.api.ratelimit import hit
from wangge.api.testing import assert_error, bearer_client
from wangge.cases.models import Attachment, Case, CaseEvent
from wangge.cases.tests.factories import IN_GRID_0, file_via_api, filed, ok, step
from wangge.conftest import make_persona
from wangge.lib.errors import DomainError

BODY = {
    "category": "SZ01",
    "description": "3号楼前路灯不亮",
    "lng": IN_GRID_0[0],
    "lat": IN_GRID_0[1],
    "answers": {"since": "today"},
}


def _post(client, path, body, key, **extra):
    return client.post(path, body, content_type="application/json", headers={"Idempotency-Key": key}, **extra)


def test_a_retried_filing_returns_the_first_answer_and_files_one_case(small, catalogue, worker_a):
    client = bearer_client(worker_a)
    first = _post(client, "/api/v1/cases", BODY, "phone-0001")
    retry = _post(client, "/api/v1/cases", BODY, "phone-0001")
    assert first.status_code == retry.status_code == 201
    assert retry.content == first.content
    assert retry.json()["id"] == first.json()["id"]
    assert retry["Idempotent-Replayed"] == "true" and not first.has_header("Idempotent-Replayed")
    assert Case.objects.count() == 1
    # The same body in another key order and spacing is the same request.
    reordered = json.dumps(dict(reversed(list(BODY.items()))), indent=2, ensure_ascii=False)
    again = client.post(
        "/api/v1/cases", reordered, content_type="application/json", headers={"Idempotency-Key": "phone-0001"}
    )
    assert again.status_code == 201 and again.content == first.content
    # Another key is another request.
    assert _post(client, "/api/v1/cases", BODY, "phone-0002").json()["id"] != first.json()["id"]
    assert Case.objects.count() == 2


def test_without_a_key_every_post_runs(small, catalogue, worker_a):
    client = bearer_client(worker_a)
    filed(client)
    filed(client)
    assert Case.objects.count() == 2
    assert not IdempotencyKey.objects.exists()


def test_the_same_key_for_another_request_is_refused(small, catalogue, worker_a):
    client = bearer_client(worker_a)
    case = ok(_post(client, "/api/v1/cases", BODY, "k-1"), 201)
    other = {**BODY, "description": "另一件事"}
    body = assert_error(_post(client, "/api/v1/cases", other, "k-1"), 422, "idempotency_key_reused")
    assert "Idempotency-Key" in body["message"] or body["message"]
    # Another path under the same key is another request too.
    response = _post(client, f"/api/v1/cases/{case['id']}/urge", {"note": "快"}, "k-1")
    assert_error(response, 422, "idempotency_key_reused")
    assert Case.objects.count() == 1
    assert not CaseEvent.objects.filter(kind="urged").exists()


def test_keys_belong_to_their_owner(small, catalogue, worker_a, worker_b):
    """Two users may use the same key; all credentials of one user share their keys."""
    a, b = bearer_client(worker_a), bearer_client(worker_b)
    first = ok(_post(a, "/api/v1/cases", BODY, "shared"), 201)
    second = ok(_post(b, "/api/v1/cases", {**BODY, "lng": 117.025}, "shared"), 201)
    assert first["id"] != second["id"]
    other_token_of_a = bearer_client(worker_a)
    assert ok(_post(other_token_of_a, "/api/v1/cases", BODY, "shared"), 201)["id"] == first["id"]
    session = Client()
    session.force_login(worker_a)
    assert ok(_post(session, "/api/v1/cases", BODY, "shared"), 201)["id"] == first["id"]
    assert Case.objects.count() == 2


def test_a_workflow_step_retried_is_taken_once(small, catalogue, worker_a, district_admin):
    """The step's action runs its own transaction.atomic inside the request's: it nests."""
    admin = bearer_client(district_admin)
    case = filed(bearer_client(worker_a))
    first = _post(admin, f"/api/v1/cases/{case['id']}/accept", {"version": case["version"]}, "accept-1")
    retry = _post(admin, f"/api/v1/cases/{case['id']}/accept", {"version": case["version"]}, "accept-1")
    assert first.status_code == retry.status_code == 200 and first.content == retry.content
    assert Case.objects.get().version == case["version"] + 1
    assert CaseEvent.objects.filter(case_id=case["id"], transition="accept").count() == 1


def test_a_refused_step_is_stored_and_replayed(small, catalogue, worker_a, district_admin):
    """Stripe's rule: the endpoint ran and said no (409 here): a retry gets the same no, even
    once the step would be possible; a new key asks again."""
    admin = bearer_client(district_admin)
    case = filed(bearer_client(worker_a))
    stale = {"version": case["version"] + 5}
    assert_error(_post(admin, f"/api/v1/cases/{case['id']}/accept", stale, "acc"), 409, "stale_version")
    replayed = _post(admin, f"/api/v1/cases/{case['id']}/accept", stale, "acc")
    assert_error(replayed, 409, "stale_version")
    assert replayed["Idempotent-Replayed"] == "true"
    # A 400 from the action is stored as well.
    assert_error(_post(admin, "/api/v1/cases", {**BODY, "category": "NOPE"}, "bad"), 400, "unknown_category")
    assert _post(admin, "/api/v1/cases", {**BODY, "category": "NOPE"}, "bad")["Idempotent-Replayed"] == "true"
    assert Case.objects.get().state == "reported"


def test_a_request_refused_before_the_endpoint_ran_is_not_stored(small, catalogue, worker_a):
    """422 invalid_input (the body did not validate) and 401: fix it and retry with the same key."""
    client = bearer_client(worker_a)
    assert_error(_post(client, "/api/v1/cases", {"description": "x"}, "k"), 422, "invalid_input")
    assert_error(_post(Client(), "/api/v1/cases", BODY, "k"), 401, "unauthenticated")
    assert not IdempotencyKey.objects.exists()
    assert ok(_post(client, "/api/v1/cases", {"description": "x", **BODY}, "k"), 201)


def test_a_rate_limited_request_is_not_stored(small, catalogue, settings):
    settings.RATE_LIMITS = {"resident": (1, 3600), "anonymous": None}
    resident = make_persona("resident", Role.RESIDENT, small.households[0])
    client = bearer_client(resident)
    with time_machine.travel(dt.datetime(2026, 5, 6, 10, 0, tzinfo=dt.UTC), tick=False):
        ok(_post(client, "/api/v1/cases", BODY, "one"), 201)
        limited = _post(client, "/api/v1/cases", BODY, "two")
        assert_error(limited, 429, "rate_limited")
        assert not IdempotencyKey.objects.filter(key="two").exists()
    with time_machine.travel(dt.datetime(2026, 5, 6, 11, 0, 1, tzinfo=dt.UTC), tick=False):
        assert ok(_post(client, "/api/v1/cases", BODY, "two"), 201)
    assert Case.objects.count() == 2


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), (30, 30, 200)).save(out, format="PNG")
    return out.getvalue()


def test_a_retried_photo_upload_attaches_one_photo(small, catalogue, worker_a, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    client = bearer_client(worker_a)
    case = filed(client)
    png = _png()

    def upload(content: bytes):
        file = SimpleUploadedFile("p.png", content, content_type="image/png")
        return client.post(f"/api/v1/cases/{case['id']}/photos", {"file": file}, headers={"Idempotency-Key": "ph"})

    first, retry = upload(png), upload(png)
    assert first.status_code == retry.status_code == 201 and first.content == retry.content
    assert Attachment.objects.count() == 1
    other = Image.new("RGB", (32, 24), (200, 30, 30))
    out = io.BytesIO()
    other.save(out, format="PNG")
    assert_error(upload(out.getvalue()), 422, "idempotency_key_reused")
    assert Attachment.objects.count() == 1


@pytest.mark.parametrize("key", ["", "   ", "x" * 256, "键值"])
def test_a_malformed_key_is_refused(small, catalogue, worker_a, key):
    response = bearer_client(worker_a).post(
        "/api/v1/cases", BODY, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key
    )
    body = assert_error(response, 422, "idempotency_key_invalid")
    assert body["message"]
    assert not Case.objects.exists()


def test_a_get_ignores_the_header(small, worker_a):
    response = bearer_client(worker_a).get("/api/v1/areas", headers={"Idempotency-Key": "x" * 999})
    assert response.status_code == 200
    assert not IdempotencyKey.objects.exists()


def test_a_key_expires_after_a_day_and_is_purged(small, catalogue, worker_a):
    client = bearer_client(worker_a)
    start = dt.datetime(2026, 5, 6, 10, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        first = ok(_post(client, "/api/v1/cases", BODY, "daily"), 201)
        hit("resident", "user:1", 3600)
    with time_machine.travel(start + dt.timedelta(hours=23, minutes=59), tick=False):
        assert ok(_post(client, "/api/v1/cases", BODY, "daily"), 201)["id"] == first["id"]
        assert purge_expired() == {"idempotency_keys": 0, "rate_counters": 1}
    with time_machine.travel(start + dt.timedelta(hours=24, minutes=1), tick=False):
        assert purge_expired() == {"idempotency_keys": 1, "rate_counters": 0}
        assert ok(_post(client, "/api/v1/cases", BODY, "daily"), 201)["id"] != first["id"]
    assert Case.objects.count() == 2 and IdempotencyKey.objects.count() == 1
    assert not RateCounter.objects.exists()


def test_an_expired_key_not_yet_purged_counts_as_new(small, catalogue, worker_a):
    client = bearer_client(worker_a)
    first = ok(_post(client, "/api/v1/cases", BODY, "old"), 201)
    IdempotencyKey.objects.update(created_at=timezone.now() - dt.timedelta(hours=25))
    second = ok(_post(client, "/api/v1/cases", {**BODY, "description": "新的一件"}, "old"), 201)
    assert second["id"] != first["id"] and IdempotencyKey.objects.get().status == 201


# --- run_idempotent: the function other views (Open311) call -------------------------------------


def _request(key: str | None, body: str = '{"a": 1}'):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return RequestFactory().post("/open311/v2/requests.json", body, content_type="application/json", **headers)


def test_run_idempotent_runs_once_and_replays(db):
    calls: list[int] = []

    def handler() -> HttpResponse:
        calls.append(1)
        user = account_actions.create_user(None, username=f"u{len(calls)}", password=None)
        return HttpResponse(json.dumps({"id": user.pk}), status=201, content_type="application/json")

    first = idempotency.run_idempotent(_request("k"), owner="open311:1", handler=handler)
    retry = idempotency.run_idempotent(_request("k"), owner="open311:1", handler=handler)
    assert (first.status_code, retry.status_code, first.content) == (201, 201, retry.content)
    assert len(calls) == 1 and User.objects.count() == 1
    # Another owner, or no key: runs.
    idempotency.run_idempotent(_request("k"), owner="open311:2", handler=handler)
    idempotency.run_idempotent(_request(None), owner="open311:1", handler=handler)
    assert len(calls) == 3
    with pytest.raises(DomainError) as error:
        idempotency.run_idempotent(_request("k", '{"a": 2}'), owner="open311:1", handler=handler)
    assert (error.value.code, error.value.status) == ("idempotency_key_reused", 422)
    with pytest.raises(DomainError) as error:
        idempotency.run_idempotent(_request("k" * 300), owner="open311:1", handler=handler)
    assert error.value.code == "idempotency_key_invalid"


def test_run_idempotent_stores_nothing_of_a_server_error_or_an_exception(db):
    def failing() -> HttpResponse:
        account_actions.create_user(None, username="half-done", password=None)
        return HttpResponse("boom", status=503)

    def raising() -> HttpResponse:
        account_actions.create_user(None, username="half-done", password=None)
        raise RuntimeError("boom")

    assert idempotency.run_idempotent(_request("k"), owner="o", handler=failing).status_code == 503
    assert not User.objects.exists() and not IdempotencyKey.objects.exists()
    with pytest.raises(RuntimeError):
        idempotency.run_idempotent(_request("k"), owner="o", handler=raising)
    assert not User.objects.exists() and not IdempotencyKey.objects.exists()

    def working() -> HttpResponse:
        account_actions.create_user(None, username="done", password=None)
        return HttpResponse("{}", status=201, content_type="application/json")

    assert idempotency.run_idempotent(_request("k"), owner="o", handler=working).status_code == 201
    assert list(User.objects.values_list("username", flat=True)) == ["done"]


def test_every_post_documents_the_header(db):
    document = Client().get("/api/v1/openapi.json").json()
    posts = [(path, ops["post"]) for path, ops in document["paths"].items() if "post" in ops]
    assert len(posts) > 20
    for path, operation in posts:
        names = [p["name"] for p in operation.get("parameters", []) if p["in"] == "header"]
        assert names == ["Idempotency-Key"], path
        assert "422" in operation["responses"], path
    for path, ops in document["paths"].items():
        for method, operation in ops.items():
            if method != "post":
                assert "Idempotency-Key" not in [p["name"] for p in operation.get("parameters", [])], path


def test_steps_without_key_still_work(small, catalogue, worker_a, district_admin):
    case = filed(bearer_client(worker_a))
    assert ok(step(bearer_client(district_admin), case, "accept"))["state"] == "accepted"
    assert file_via_api(bearer_client(worker_a)).status_code == 201


def test_a_json_body_sent_as_a_malformed_form_is_refused_as_unreadable_every_time(small, worker_a):
    """Found by schemathesis: a JSON body under a multipart content type without a boundary. The
    edge cannot read it as the form it claims to be (`wangge.web.edge`): 422 `invalid_input`,
    refused before the endpoint ran, so not kept under the key either."""
    client = bearer_client(worker_a)

    def post():
        return client.post(
            "/api/v1/notifications/read",
            b'{"ids": [1]}',
            content_type="multipart/form-data",
            headers={"Idempotency-Key": "odd"},
        )

    first, retry = post(), post()
    for response in (first, retry):
        assert_error(response, 422, "invalid_input")
        assert response.json()["fields"] == ["body"]
    assert not retry.has_header("Idempotent-Replayed")


def test_a_very_long_path_is_claimed_too(small, catalogue, district_admin):
    """A path longer than the column (a 600-digit case id still matches the route)."""
    client = bearer_client(district_admin)
    path = f"/api/v1/cases/{'9' * 600}/urge"
    first = _post(client, path, {"note": ""}, "long")
    retry = _post(client, path, {"note": ""}, "long")
    assert_error(first, 404, "not_found")
    assert retry["Idempotent-Replayed"] == "true"
