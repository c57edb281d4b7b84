"""The Open311 key actions keep to the district: its administrator creates and revokes the
district's keys; another district's administrator, community staff and grid workers find no
such district or key (404); the operator at the command line (None) may do both."""

import pytest

from wangge.accounts.models import AuditAction, AuditEvent, Role
from wangge.areas.tests.factories import build_small_district
from wangge.conftest import make_persona
from wangge.lib.errors import DomainError
from wangge.open311.actions import create_api_key, revoke_api_key
from wangge.open311.models import ApiKey
from wangge.open311.queries import active_key, key_digest


@pytest.fixture
def other_admin(db):
    return make_persona("admin_u", Role.DISTRICT_ADMIN, build_small_district("U").district)


def test_the_district_admin_creates_a_key_stored_only_as_its_digest_and_revokes_it(district_admin, small):
    key, secret = create_api_key(district_admin, name="微信小程序", district=small.district)
    stored = ApiKey.objects.get(pk=key.pk)
    assert stored.digest == key_digest(secret) and secret not in {stored.digest, stored.prefix, stored.name}
    assert active_key(secret) == key
    revoke_api_key(district_admin, name="微信小程序")
    assert active_key(secret) is None
    actions = list(
        AuditEvent.objects.filter(object_type="open311.apikey").order_by("pk").values_list("action", "actor")
    )
    assert actions == [
        (AuditAction.API_KEY_CREATED, district_admin.pk),
        (AuditAction.API_KEY_REVOKED, district_admin.pk),
    ]
    assert not AuditEvent.objects.filter(detail__icontains=secret).exists()


@pytest.mark.parametrize("persona", ["other_admin", "community_staff", "worker_a"])
def test_outsiders_cannot_create_or_revoke_the_districts_keys(request, persona, small):
    outsider = request.getfixturevalue(persona)
    key, secret = create_api_key(None, name="热线", district=small.district)
    with pytest.raises(DomainError) as refused:
        create_api_key(outsider, name="别人的", district=small.district)
    assert (refused.value.code, refused.value.status) == ("district_not_administered", 404)
    with pytest.raises(DomainError) as refused:
        revoke_api_key(outsider, name="热线")
    assert (refused.value.code, refused.value.status) == ("api_key_unknown", 404)
    assert active_key(secret) == key and ApiKey.objects.count() == 1
