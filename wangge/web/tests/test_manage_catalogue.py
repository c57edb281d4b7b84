"""The case catalogue pages (/manage/catalogue/): the district administrator lists, filters,
creates and edits groups and categories, edits extra questions, retires what was used; the
administrator of another district and every other role find no such page or entry (404). The
list's queries stay flat as categories are added."""

import pytest
from django.urls import reverse

from wangge.accounts.models import AuditAction, AuditEvent, Role
from wangge.areas.tests.factories import build_small_district
from wangge.cases import actions
from wangge.cases.catalogue import install_default_catalogue
from wangge.cases.models import Category, CategoryQuestion
from wangge.cases.tests.factories import file
from wangge.conftest import make_persona
from wangge.lib.testing import assert_flat, count_queries
from wangge.web.tests.conftest import zh

URL = "/manage/catalogue/"
NOTE = "A new time limit applies to cases accepted from now on; cases already accepted keep their deadline."


@pytest.fixture
def other_admin(db):
    """The administrator of another district, with its own catalogue."""
    other = build_small_district("U")
    install_default_catalogue(other.district)
    return make_persona("admin_u", Role.DISTRICT_ADMIN, other.district)


def test_url_names():
    assert reverse("manage_catalogue") == URL
    assert reverse("manage_catalogue_category", args=[4]) == "/manage/catalogue/4/"


def test_the_admin_sees_the_groups_with_their_categories(client, district_admin, catalogue, other_admin):
    client.force_login(district_admin)
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="group-{catalogue["SZ"].pk}"' in html and f'id="category-{catalogue["SZ01"].pk}"' in html
    row = html[html.index(f'id="category-{catalogue["SZ01"].pk}"') :]
    row = row[: row.index("</tr>")]
    assert "SZ01" in row and "路灯不亮" in row and ">2</td>" in row  # two extra questions
    other = Category.objects.exclude(district=catalogue["SZ01"].district).first()
    assert f'id="category-{other.pk}"' not in html


def test_filters_narrow_the_categories(client, district_admin, catalogue):
    actions.retire_category(district_admin, catalogue["MD03"])
    client.force_login(district_admin)
    html = client.get(URL, {"state": "retired"}).content.decode()
    assert f'id="category-{catalogue["MD03"].pk}"' in html and f'id="category-{catalogue["SZ01"].pk}"' not in html
    html = client.get(URL, {"q": "路灯"}).content.decode()
    assert f'id="category-{catalogue["SZ01"].pk}"' in html and f'id="group-{catalogue["MD"].pk}"' not in html
    html = client.get(URL, {"public": "internal"}).content.decode()
    assert zh("No category matches these filters.") in html


def test_the_admin_creates_a_category_and_edits_it_on_its_page(client, district_admin, catalogue):
    client.force_login(district_admin)
    response = client.post(
        reverse("manage_catalogue_category_new"),
        {
            "group": catalogue["SZ"].pk,
            "code": "SZ05",
            "name": "护栏损坏",
            "time_limit": "4",
            "time_limit_unit": "working_days",
        },
    )
    category = Category.objects.get(code="SZ05")
    assert response["Location"] == reverse("manage_catalogue_category", args=[category.pk])
    page = client.get(response["Location"]).content.decode()
    assert zh(NOTE) in page and 'aria-describedby="time-limit-note"' in page
    saved = client.post(
        response["Location"],
        {
            "group": catalogue["SZ"].pk,
            "code": "SZ05",
            "name": "护栏损坏",
            "time_limit": "2",
            "time_limit_unit": "working_days",
            "public": "1",
        },
        follow=True,
    )
    assert saved.redirect_chain[-1][0] == response["Location"]
    category.refresh_from_db()
    assert (category.time_limit, category.public, category.return_visit_required) == (2, True, False)
    refused = client.post(
        response["Location"],
        {
            "group": catalogue["SZ"].pk,
            "code": "SZ01",
            "name": "护栏损坏",
            "time_limit": "2",
            "time_limit_unit": "working_days",
        },
    )
    assert refused.status_code == 400 and [m.tags for m in refused.context["messages"]] == ["category_code_taken error"]
    assert Category.objects.get(pk=category.pk).code == "SZ05"


def test_questions_are_added_edited_moved_and_removed_through_the_page(client, district_admin, catalogue):
    category = catalogue["SZ02"]
    client.force_login(district_admin)
    add = reverse("manage_catalogue_question_add", args=[category.pk])
    refused = client.post(add, {"code": "kind", "label": "类型", "datatype": "single", "choices": "坑洞"}, follow=True)
    assert [m.tags for m in refused.context["messages"]] == ["question_choices_invalid error"]
    client.post(
        add, {"code": "kind", "label": "类型", "datatype": "single", "choices": "坑洞\n裂缝\n", "required": "1"}
    )
    client.post(add, {"code": "size", "label": "面积", "datatype": "number"})
    kind, size = list(category.questions.all())
    assert kind.choices == [{"key": "c1", "name": "坑洞"}, {"key": "c2", "name": "裂缝"}] and kind.required
    client.post(reverse("manage_catalogue_question_move", args=[category.pk, size.pk]), {"direction": "up"})
    assert [q.code for q in category.questions.all()] == ["size", "kind"]
    client.post(
        reverse("manage_catalogue_question_edit", args=[category.pk, kind.pk]),
        {"code": "kind", "label": "破损类型", "datatype": "multiple", "choices": "裂缝\n塌陷"},
    )
    kind.refresh_from_db()
    assert kind.label == "破损类型" and kind.choices == [{"key": "c2", "name": "裂缝"}, {"key": "c3", "name": "塌陷"}]
    client.post(reverse("manage_catalogue_question_remove", args=[category.pk, size.pk]))
    assert list(CategoryQuestion.objects.filter(category=category)) == [kind]
    assert AuditEvent.objects.filter(action=AuditAction.CATALOGUE_CHANGED, actor=district_admin).count() == 5


def test_a_used_category_offers_retire_and_refuses_deletion(client, district_admin, small, catalogue):
    file(small, catalogue)
    category = catalogue["SZ01"]
    client.force_login(district_admin)
    page = client.get(reverse("manage_catalogue_category", args=[category.pk])).content.decode()
    assert reverse("manage_catalogue_delete", args=[category.pk]) not in page
    refused = client.post(reverse("manage_catalogue_delete", args=[category.pk]), follow=True)
    assert [m.tags for m in refused.context["messages"]] == ["category_in_use error"]
    client.post(reverse("manage_catalogue_retire", args=[category.pk]))
    assert not Category.objects.get(pk=category.pk).active


@pytest.mark.parametrize("persona", ["community_staff", "worker_a", "resident"])
def test_other_roles_find_no_such_page(client, request, persona, catalogue):
    client.force_login(request.getfixturevalue(persona))
    category = catalogue["SZ01"]
    assert client.get(URL).status_code == 404
    assert client.get(reverse("manage_catalogue_category", args=[category.pk])).status_code == 404
    assert client.post(reverse("manage_catalogue_retire", args=[category.pk])).status_code == 404
    assert Category.objects.get(pk=category.pk).active


def test_another_districts_admin_finds_no_such_category(client, other_admin, catalogue):
    client.force_login(other_admin)
    category, question = catalogue["SZ01"], catalogue["SZ01"].questions.first()
    assert f'id="category-{category.pk}"' not in client.get(URL).content.decode()
    assert client.get(reverse("manage_catalogue_category", args=[category.pk])).status_code == 404
    for name, args in [
        ("manage_catalogue_category", [category.pk]),
        ("manage_catalogue_retire", [category.pk]),
        ("manage_catalogue_delete", [category.pk]),
        ("manage_catalogue_question_add", [category.pk]),
        ("manage_catalogue_question_remove", [category.pk, question.pk]),
    ]:
        assert client.post(reverse(name, args=args), {"name": "x", "code": "x"}).status_code == 404, name
    assert client.post(reverse("manage_catalogue_category_new"), {"group": catalogue["SZ"].pk}).status_code == 404
    assert Category.objects.get(pk=category.pk).active and category.questions.count() == 2
    assert not AuditEvent.objects.filter(action=AuditAction.CATALOGUE_CHANGED).exists()


def test_the_list_costs_the_same_queries_with_more_categories(client, district_admin, catalogue):
    client.force_login(district_admin)
    client.get(URL)
    with count_queries() as few:
        assert client.get(URL).status_code == 200
    group = actions.create_group(district_admin, district=catalogue["SZ"].district, code="AQ", name="安全隐患")
    for n in range(5):
        category = actions.create_category(district_admin, group=group, code=f"AQ{n}", name=f"隐患{n}")
        actions.add_question(district_admin, category, code="q", label="问题", datatype="text")
    with count_queries() as many:
        assert client.get(URL).status_code == 200
    assert_flat(few, many, at_most=12)
    print(f"catalogue list: {len(many)} queries")
