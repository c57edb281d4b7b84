"""Two-factor login pages: enrolment (QR code, key, confirmation, recovery codes shown once),
verification after the password (`login`) or before a reveal (`reveal`, step-up), a wrong code
refused, the administrator's reset; personas of two grids (a grid worker who reveals, one of
another grid who cannot, a supervisor without personal data, a district administrator)."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from wangge.accounts import second_factor
from wangge.accounts.models import AuditAction, AuditEvent, User
from wangge.conftest import PASSWORD
from wangge.people.models import Person, RevealGrant
from wangge.web.tests.conftest import id_number, zh

REASON = "核实低保申请材料"


def code_of(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def enrolled(user: User) -> TOTPDevice:
    device = second_factor.pending_authenticator(user)
    second_factor.confirm_enrolment(user, code_of(device))
    return device


def later():
    """A new 30-second step: the app shows a new code."""
    return time_machine.travel(timezone.now() + dt.timedelta(seconds=31), tick=False)


def verify_url(next_path: str) -> str:
    return f"{reverse('two_factor_verify')}?{urlencode({'next': next_path})}"


@pytest.fixture
def resident(populated) -> Person:
    return populated.resident


@pytest.fixture
def reveal_policy(settings):
    settings.REQUIRE_2FA = "reveal"


def reveal(client, person: Person):
    return client.post(reverse("person_reveal", args=[person.pk]), {"reason": REASON, "fields": ["id_number"]})


@pytest.mark.parametrize("name", ["two_factor", "two_factor_setup", "two_factor_verify"])
def test_the_pages_need_a_login(client, db, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_setup_shows_a_qr_code_and_the_key_then_confirms_with_a_code(client, worker_a):
    client.force_login(worker_a)
    page = client.get(reverse("two_factor_setup"))
    html = page.content.decode()
    device = TOTPDevice.objects.get(user=worker_a, confirmed=False)
    assert 'src="data:image/svg+xml' in html and page.context["key"] in html
    assert device.key not in html  # the hex key is never shown; the base32 form is what apps take
    response = client.post(reverse("two_factor_setup"), {"code": code_of(device)})
    assert response.status_code == 200
    codes = response.context["codes"]
    assert len(codes) == 10 and all(f"{c[:5]}-{c[5:]}" in response.content.decode() for c in codes)
    assert second_factor.is_enrolled(worker_a)
    # The session that enrolled is verified at once.
    assert zh("This session has been confirmed with a code.") in client.get(reverse("two_factor")).content.decode()
    assert AuditEvent.objects.filter(action=AuditAction.SECOND_FACTOR_ENROLLED, actor=worker_a).count() == 1


def test_a_wrong_code_is_refused_with_its_code(client, worker_a):
    client.force_login(worker_a)
    device = enrolled(worker_a)
    wrong = f"{(int(code_of(device)) + 1) % 1_000_000:06d}"
    with later():
        response = client.post(reverse("two_factor_verify"), {"code": wrong})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-code="second_factor_code_wrong"' in html and zh("The code is not right. Try the current code.") in html
    assert not second_factor.is_verified(response.wsgi_request.user)
    assert AuditEvent.objects.filter(action=AuditAction.SECOND_FACTOR_FAILED, actor=worker_a).count() == 1


def test_verify_sends_a_user_without_an_app_to_set_one_up(client, worker_a):
    client.force_login(worker_a)
    response = client.get(verify_url("/people/"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('two_factor_setup')}?{urlencode({'next': '/people/'})}"


def test_verify_follows_only_a_path_of_this_site(client, worker_a):
    client.force_login(worker_a)
    device = enrolled(worker_a)
    with later():
        response = client.post(reverse("two_factor_verify"), {"code": code_of(device), "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == reverse("home")


def test_reveal_is_refused_until_the_session_verifies_then_allowed(client, reveal_policy, worker_a, resident):
    client.force_login(worker_a)
    device = enrolled(worker_a)
    person_page = reverse("person", args=[resident.pk])
    response = reveal(client, resident)
    assert response.status_code == 302 and response["Location"] == verify_url(person_page)
    assert not RevealGrant.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.PERSONAL_DATA_REVEALED).exists()
    followed = client.get(response["Location"])
    assert zh("Confirm it is you with a code from your authenticator app before personal data is shown in clear.") in (
        followed.content.decode()
    )
    with later():
        verified = client.post(reverse("two_factor_verify"), {"code": code_of(device), "next": person_page})
    assert verified.status_code == 302 and verified["Location"] == person_page
    response = reveal(client, resident)
    assert response.status_code == 302 and response["Location"] == person_page
    assert RevealGrant.objects.filter(user=worker_a, person=resident).count() == 1
    assert id_number(1) in client.get(person_page).content.decode()


def test_another_grids_worker_finds_no_person_to_reveal_verified_or_not(client, reveal_policy, worker_b, resident):
    client.force_login(worker_b)
    assert reveal(client, resident).status_code == 404
    device = enrolled(worker_b)
    with later():
        client.post(reverse("two_factor_verify"), {"code": code_of(device)})
    assert reveal(client, resident).status_code == 404
    assert not RevealGrant.objects.exists()


def test_with_the_policy_off_a_reveal_needs_no_second_factor(client, settings, worker_a, resident):
    settings.REQUIRE_2FA = "off"
    client.force_login(worker_a)
    assert reveal(client, resident).status_code == 302
    assert RevealGrant.objects.filter(user=worker_a).count() == 1


def test_login_policy_sends_personal_data_roles_to_verify_first(client, settings, worker_a, supervisor):
    settings.REQUIRE_2FA = "login"
    assert client.post(reverse("login"), {"username": "worker_a", "password": PASSWORD}).status_code == 302
    home = client.get(reverse("home"))
    assert home.status_code == 302 and home["Location"] == verify_url(reverse("home"))
    assert client.get(reverse("people")).status_code == 302
    # The REST API does not take the unverified session either.
    assert client.get("/api/v1/cases").status_code == 401
    # htmx is told to load the whole page.
    assert client.get(reverse("cases"), headers={"HX-Request": "true"})["HX-Redirect"] == verify_url(reverse("cases"))
    device = enrolled(worker_a)
    with later():
        client.post(reverse("two_factor_verify"), {"code": code_of(device)})
    assert client.get(reverse("home")).status_code == 200
    assert client.get("/api/v1/cases").status_code == 200
    # A role without personal data is not asked.
    client.logout()
    client.post(reverse("login"), {"username": "supervisor", "password": PASSWORD})
    assert client.get(reverse("home")).status_code == 200


def test_an_administrator_resets_a_users_second_factor_from_the_users_page(client, district_admin, worker_a):
    enrolled(worker_a)
    client.force_login(district_admin)
    page = client.get(reverse("manage_user", args=[worker_a.pk])).content.decode()
    assert 'data-testid="second-factor-reset"' in page
    response = client.post(reverse("manage_user_second_factor_reset", args=[worker_a.pk]))
    assert response.status_code == 302
    assert not second_factor.is_enrolled(worker_a)
    event = AuditEvent.objects.get(action=AuditAction.SECOND_FACTOR_RESET)
    assert (event.actor, event.object_id) == (district_admin, str(worker_a.pk))


def test_a_grid_worker_cannot_reset_another_users_second_factor(client, worker_a, worker_b):
    enrolled(worker_b)
    client.force_login(worker_a)
    assert client.post(reverse("manage_user_second_factor_reset", args=[worker_b.pk])).status_code == 404
    assert second_factor.is_enrolled(worker_b)
