"""Users in the admin: a Curator checkbox that is the Curators group, and a Role column."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from annotate.models import CURATORS_GROUP
from annotate.permissions import is_curator
from tests import factories


@pytest.fixture
def su_client(client, superuser):
    client.force_login(superuser)
    return client


def _change_form_data(su_client, user: User) -> dict:
    """The change form's own values, as the browser would send them back."""
    html = su_client.get(reverse("admin:auth_user_change", args=[user.pk])).content.decode()
    data = {}
    for name, value in re.findall(r'<input type="text" name="(\w+)" value="([^"]*)"', html):
        data[name] = value
    data.update(
        username=user.username,
        is_active="on",
        groups=[g.pk for g in user.groups.all()],
    )
    return data


def test_ticking_curator_makes_a_curator_and_unticking_undoes_it(su_client, reviewer):
    data = _change_form_data(su_client, reviewer)
    response = su_client.post(
        reverse("admin:auth_user_change", args=[reviewer.pk]), {**data, "curator": "on"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    reviewer = User.objects.get(pk=reviewer.pk)
    assert is_curator(reviewer)

    data = _change_form_data(su_client, reviewer)
    html = su_client.get(reverse("admin:auth_user_change", args=[reviewer.pk])).content.decode()
    assert re.search(r'<input type="checkbox" name="curator"[^>]* checked', html)
    data.pop("curator", None)
    response = su_client.post(reverse("admin:auth_user_change", args=[reviewer.pk]), data)
    assert response.status_code == 302
    assert not User.objects.get(pk=reviewer.pk).groups.filter(name=CURATORS_GROUP).exists()


def test_add_form_can_create_a_curator(su_client):
    response = su_client.post(
        reverse("admin:auth_user_add"),
        {
            "username": "newcurator",
            "usable_password": "true",
            "password1": "a-Long-pass-phrase-42",
            "password2": "a-Long-pass-phrase-42",
            "curator": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert is_curator(User.objects.get(username="newcurator"))


def test_user_list_shows_each_role_in_flat_queries(
    su_client, reviewer, curator, django_assert_max_num_queries
):
    for i in range(5):
        factories.make_user(f"extra{i}", curator=i % 2 == 0)
    with django_assert_max_num_queries(12):
        html = su_client.get(reverse("admin:auth_user_changelist")).content.decode()
    assert "Role" in html
    row = lambda name: re.search(rf">{name}</a>.*?</tr>", html, re.S).group(0)  # noqa: E731
    assert "Curator" in row("curator")
    assert "Reviewer" in row(reviewer.username)
    assert "Admin" in row("admin") or "Admin" in html


def test_change_form_explains_roles(su_client, reviewer):
    html = su_client.get(reverse("admin:auth_user_change", args=[reviewer.pk])).content.decode()
    assert "Role in Stancemark" in html
    assert "Tick Curator to let this user adjudicate" in html
