"""The residents' search finds a name by its pinyin, its initials or a small slip in the
pinyin ("zhw", "zhangwei", "zhagnwei" → 张伟), within the user's scope only; the term still
travels in the POST body, never in a URL."""

import pytest
from django.urls import reverse

from wangge.people import actions as people_actions
from wangge.people.models import Person


@pytest.fixture
def zhang_wei(populated) -> Person:
    small = populated.small
    return people_actions.create_person(
        None,
        district=small.district,
        data=people_actions.PersonInput(name="张伟", household=small.households[1], relation="head"),
    )


@pytest.fixture
def far_zhang_wei(populated) -> Person:
    """Another 张伟, in grid 2: out of worker_a's sight."""
    small = populated.small
    return people_actions.create_person(
        None,
        district=small.district,
        data=people_actions.PersonInput(name="张伟", household=small.households[12], relation="head"),
    )


def found(client, term: str) -> list[Person]:
    response = client.post(reverse("people"), {"q": term})
    assert response.status_code == 200
    return [p for p, _shown in response.context["rows"]]


@pytest.mark.parametrize("term", ["zhw", "zw", "zhangwei", "ZhangWei", "zhagnwei"])
def test_a_name_is_found_by_its_pinyin_initials_or_a_slip(client, worker_a, zhang_wei, far_zhang_wei, term):
    client.force_login(worker_a)
    assert found(client, term) == [zhang_wei]


def test_the_other_grid_worker_finds_their_own_zhang_wei(client, worker_b, zhang_wei, far_zhang_wei):
    client.force_login(worker_b)
    assert found(client, "zhw") == [far_zhang_wei]


def test_the_search_form_posts_the_term(client, worker_a, zhang_wei):
    client.force_login(worker_a)
    page = client.get(reverse("people")).content.decode()
    assert 'method="post"' in page
    response = client.get(reverse("people"), {"q": "zhw"})
    assert response.context["searched"] is False  # a term in a URL is not searched
