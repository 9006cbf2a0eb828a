"""Login throttling with django-axes (issue 11, item 5): repeated failures lock out one account
(whatever the address) and one address (whatever the account), on the app's login page and the
admin's, with a clear message; staff unlock in the admin. Settings: project/settings.py, README."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from tests import factories

LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/admin/login/"


@pytest.fixture(autouse=True)
def throttled(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3
    return settings


def _fail(client, url, username, times, ip="10.0.0.1"):
    for _ in range(times):
        client.post(url, {"username": username, "password": "wrong"}, REMOTE_ADDR=ip)


def _login(client, url, username, ip="10.0.0.1"):
    return client.post(url, {"username": username, "password": factories.PASSWORD}, REMOTE_ADDR=ip)


@pytest.mark.parametrize("url", [LOGIN, ADMIN_LOGIN])
def test_repeated_failures_lock_the_account_even_with_the_right_password(client, db, url):
    factories.make_superuser("boss")
    _fail(client, url, "boss", 3)
    response = _login(client, url, "boss", ip="10.9.9.9")  # another address: still locked
    assert response.status_code == 429
    text = response.content.decode()
    assert "Too many failed logins" in text and "boss" in text and "15 minutes" in text
    assert "_auth_user_id" not in client.session


def test_repeated_failures_from_one_address_lock_that_address(client, db):
    factories.make_user("rita")
    for name in ("a", "b", "c"):  # three different accounts from one address
        _fail(client, LOGIN, name, 1, ip="10.0.0.7")
    assert _login(client, LOGIN, "rita", ip="10.0.0.7").status_code == 429
    assert _login(client, LOGIN, "rita", ip="10.0.0.8").status_code == 302  # others unaffected


def test_failures_below_the_limit_then_success_clear_the_count(client, db):
    factories.make_user("rita")
    _fail(client, LOGIN, "rita", 2)
    assert _login(client, LOGIN, "rita").status_code == 302
    client.logout()
    _fail(client, LOGIN, "rita", 2)
    assert _login(client, LOGIN, "rita").status_code == 302  # the earlier two were cleared


def test_the_login_page_says_a_wrong_password_is_wrong(client, db):
    factories.make_user("rita")
    response = client.post(LOGIN, {"username": "rita", "password": "wrong"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


def test_staff_unlock_in_the_admin(client, db):
    factories.make_user("rita")
    _fail(client, LOGIN, "rita", 3)
    assert _login(client, LOGIN, "rita").status_code == 429
    admin = factories.make_superuser("boss")
    staff = client.__class__()
    staff.force_login(admin)
    listing = staff.get(reverse("admin:axes_accessattempt_changelist"))
    assert listing.status_code == 200 and "rita" in listing.content.decode()
    ids = list(AccessAttempt.objects.filter(username="rita").values_list("pk", flat=True))
    response = staff.post(
        reverse("admin:axes_accessattempt_changelist"),
        {"action": "delete_selected", "_selected_action": ids, "post": "yes"},
    )
    assert response.status_code == 302
    assert _login(client, LOGIN, "rita", ip="10.0.0.2").status_code == 302
