"""Login, logout, the lock-out page after repeated failures, and the language switch."""

import pytest
from django.urls import reverse

from wangge.accounts.models import AuditAction, AuditEvent
from wangge.conftest import PASSWORD
from wangge.web.tests.conftest import zh


def test_login_page_is_chinese_by_default(client, db):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-hans">' in html
    assert "网格" in html
    assert "用户名" in html  # Django's own catalogue translates the form labels


def test_login_and_logout(client, worker_a):
    response = client.post(reverse("login"), {"username": "worker_a", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert AuditEvent.objects.filter(action=AuditAction.LOGIN, actor=worker_a).exists()

    page = client.get(reverse("home")).content.decode()
    assert 'action="/logout/"' in page and 'method="post"' in page

    assert client.get(reverse("logout")).status_code == 405  # logging out is POST only
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302


def test_header_shows_name_and_roles(client, worker_a, small):
    client.force_login(worker_a)
    html = client.get(reverse("home")).content.decode()
    assert "worker_a" in html
    assert zh("Grid worker") in html
    assert small.grids[0].name in html


def test_lockout_after_five_failed_logins(client, worker_a, settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    for _attempt in range(4):
        response = client.post(reverse("login"), {"username": "worker_a", "password": "wrong-password"})
        assert response.status_code == 200
    response = client.post(reverse("login"), {"username": "worker_a", "password": "wrong-password"})
    assert response.status_code == 429
    assert "registration/locked_out.html" in [t.name for t in response.templates]
    # Even the right password is refused now.
    response = client.post(reverse("login"), {"username": "worker_a", "password": PASSWORD})
    assert response.status_code == 429
    html = response.content.decode()
    assert zh("Please try again later, or contact your administrator to unlock the account.") in html
    assert "5" in html
    assert AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED, actor_name="worker_a").count() >= 5


def test_lockout_page_in_english(client, worker_a):
    client.cookies["django_language"] = "en"
    for _attempt in range(5):
        response = client.post(reverse("login"), {"username": "worker_a", "password": "wrong-password"})
    assert response.status_code == 429
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "Too many failed log-in attempts" in html
    assert "try again later" in html


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_language_switch(client, worker_a, language):
    client.force_login(worker_a)
    response = client.post("/i18n/setlang/", {"language": language, "next": reverse("coverage")})
    assert response.status_code == 302
    assert response["Location"] == reverse("coverage")
    html = client.get(reverse("coverage")).content.decode()
    assert f'<html lang="{language}">' in html


def test_language_switch_changes_the_login_page(client, db):
    client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    html = client.get(reverse("login")).content.decode()
    assert '<html lang="en">' in html
    assert "Username" in html and "用户名" not in html
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/login/"})
    assert "用户名" in client.get(reverse("login")).content.decode()


def test_language_switch_form_is_on_every_page(client, worker_a):
    client.force_login(worker_a)
    html = client.get(reverse("home")).content.decode()
    assert 'action="/i18n/setlang/"' in html
    assert 'value="en"' in html and 'value="zh-hans"' in html


def test_not_found_page_is_translated_page(client, worker_a):
    client.force_login(worker_a)
    client.cookies["django_language"] = "en"
    response = client.get("/areas/999999/")
    assert response.status_code == 404
    assert "outside the area you are responsible for" in response.content.decode()


def test_a_lockout_holds_one_account_at_one_address_not_everyone_behind_it(client, worker_a, worker_b, settings):
    """A community office shares one address: five failures for one account there lock that
    account there, not the colleagues logging in from the same address."""
    for _attempt in range(5):
        response = client.post(reverse("login"), {"username": "worker_a", "password": "wrong-password"})
    assert response.status_code == 429
    colleague = client.post(reverse("login"), {"username": "worker_b", "password": PASSWORD})
    assert colleague.status_code == 302
    client.post(reverse("logout"))
    assert client.post(reverse("login"), {"username": "worker_a", "password": PASSWORD}).status_code == 429
    elsewhere = client.post(reverse("login"), {"username": "worker_a", "password": PASSWORD}, REMOTE_ADDR="192.0.2.7")
    assert elsewhere.status_code == 302
