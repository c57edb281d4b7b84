"""Being made to change a password: after an administrator's reset the user logs in with the
one-time password, every page sends them to /password/ until they choose their own; the static
files, logging out, the language switch and the API stay reachable; after the change the flag is
off and the pages open."""

import pytest
from django.urls import reverse

from wangge.accounts import actions
from wangge.accounts.models import AuditAction, AuditEvent
from wangge.api.testing import bearer_client

NEW_PASSWORD = "lantern-river-42"


@pytest.fixture
def reset(district_admin, worker_a):
    return actions.reset_password(district_admin, user=worker_a)


def test_url_names():
    assert reverse("password_change") == "/password/"
    assert reverse("password_change_done") == "/password/done/"


def test_login_after_a_reset_is_sent_to_the_password_page(client, reset):
    response = client.post(reverse("login"), {"username": "worker_a", "password": reset.password}, follow=True)
    assert response.redirect_chain[-1][0] == "/password/"
    assert 'data-testid="must-change"' in response.content.decode()
    for path in ["/", "/cases/", "/manage/", "/people/"]:
        answer = client.get(path)
        assert answer.status_code == 302 and answer["Location"] == "/password/", path


def test_an_htmx_request_is_told_to_load_the_password_page(client, reset):
    client.post(reverse("login"), {"username": "worker_a", "password": reset.password})
    response = client.get("/cases/", headers={"HX-Request": "true"})
    assert response.status_code == 204 and response["HX-Redirect"] == "/password/"


def test_the_password_pages_static_files_language_and_logout_stay_reachable(client, reset):
    client.post(reverse("login"), {"username": "worker_a", "password": reset.password})
    assert client.get("/password/").status_code == 200
    assert client.get("/password/done/").status_code == 200
    assert client.get("/static/wangge/site.css").status_code in {200, 404}  # never sent to /password/
    assert client.post("/i18n/setlang/", {"language": "en", "next": "/password/"})["Location"] == "/password/"
    assert client.post(reverse("logout"))["Location"] == reverse("login")


def test_the_api_with_a_bearer_token_is_not_affected(reset, worker_a):
    worker_a.refresh_from_db()
    assert worker_a.must_change_password
    assert bearer_client(worker_a).get("/api/v1/areas").status_code == 200


def test_after_the_change_the_flag_is_off_and_pages_open(client, reset, worker_a):
    client.post(reverse("login"), {"username": "worker_a", "password": reset.password})
    response = client.post(
        "/password/",
        {"old_password": reset.password, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302 and response["Location"] == "/password/done/"
    worker_a.refresh_from_db()
    assert not worker_a.must_change_password and worker_a.check_password(NEW_PASSWORD)
    assert client.get("/").status_code == 200  # still logged in: the session follows the new password
    assert AuditEvent.objects.filter(action=AuditAction.PASSWORD_CHANGED, actor=worker_a).exists()


def test_a_refused_new_password_keeps_the_user_on_the_page(client, reset, worker_a):
    client.post(reverse("login"), {"username": "worker_a", "password": reset.password})
    response = client.post(
        "/password/", {"old_password": reset.password, "new_password1": "123", "new_password2": "123"}
    )
    assert response.status_code == 200
    worker_a.refresh_from_db()
    assert worker_a.must_change_password
    assert client.get("/")["Location"] == "/password/"


def test_anyone_may_change_their_own_password_without_being_made_to(client, worker_a):
    client.force_login(worker_a)
    assert client.get("/").status_code == 200
    assert client.get("/password/").status_code == 200
