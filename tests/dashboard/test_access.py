"""Who may read the dashboard: launch data checked as Telegram specifies, sessions, links."""

from __future__ import annotations

import time
from datetime import timedelta
from urllib.parse import parse_qsl

import pytest

from bot.dashboard.access import (
    AccessDeniedError,
    DashboardAccess,
    LaunchData,
    LoginLinks,
    Sessions,
    Viewer,
)
from tests.bot.conftest import TOKEN
from tests.dashboard.launch import encode, fields_for, launch_data, signature

VECTOR_FIELDS = {
    "auth_date": "1764666000",
    "query_id": "AAHdF6IQAAAAAN0XohDhrOrc",
    "user": '{"id":1,"first_name":"Claire","language_code":"fr"}',
}
VECTOR_HASH = "d7c0d006fa9442a29e4de0060e0f2bc7af1f574c0ca850b765f00b98a8937725"
"""Computed by hand from the specification with openssl, not with any code of this project:
    SECRET=$(printf '%s' '123456:LOOPBACK-token' \\
        | openssl dgst -sha256 -mac HMAC -macopt key:WebAppData -hex)
    printf 'auth_date=1764666000\\nquery_id=AAHdF6IQAAAAAN0XohDhrOrc\\nuser={"id":1,...}' \\
        | openssl dgst -sha256 -mac HMAC -macopt hexkey:$SECRET -hex
"""
FOREVER = timedelta(days=365 * 100)


def test_the_hand_computed_vector_is_telegrams_signature() -> None:
    assert signature(VECTOR_FIELDS) == VECTOR_HASH  # the tests' signer agrees with openssl
    checker = LaunchData(TOKEN, lifetime=FOREVER)  # the vector was issued on 2025-12-02
    user = checker.user(encode({**VECTOR_FIELDS, "hash": VECTOR_HASH}))
    assert (user.user_id, user.language_code) == (1, "fr")


def _tampered(change: str) -> str:
    fields = fields_for(42)
    signed = {**fields, "hash": signature(fields)}
    if change == "wrong hash":
        signed["hash"] = "0" * 64
    elif change == "no hash":
        del signed["hash"]
    elif change == "empty hash":
        signed["hash"] = ""
    elif change == "another user":
        signed["user"] = signed["user"].replace('"id":42', '"id":43')
    elif change == "another bot":
        signed["hash"] = signature(fields, token="654321:ANOTHER-token")
    elif change == "a field added":
        signed["start_param"] = "admin"
    elif change == "expired":
        fields = fields_for(42, auth_date=time.time() - 24 * 3600 - 60)
        signed = {**fields, "hash": signature(fields)}
    elif change == "not a query string":
        return "%%%"
    elif change == "empty":
        return ""
    elif change == "too long":
        return encode({**signed, "padding": "x" * 10_000})
    return encode(signed)


@pytest.mark.parametrize(
    "change",
    [
        "wrong hash",
        "no hash",
        "empty hash",
        "another user",
        "another bot",
        "a field added",
        "expired",
        "not a query string",
        "empty",
        "too long",
    ],
)
def test_launch_data_not_signed_for_this_bot_now_are_refused(change: str) -> None:
    with pytest.raises(AccessDeniedError) as refused:
        LaunchData(TOKEN).user(_tampered(change))
    assert refused.value.status == 401


def test_the_order_of_the_fields_does_not_matter() -> None:
    fields = fields_for(42, language="ar", start_param="clermont-ferrand")
    signed = {**fields, "hash": signature(fields)}
    backwards = dict(reversed(list(signed.items())))
    user = LaunchData(TOKEN).user(encode(backwards))
    assert (user.user_id, user.language_code, user.start_param) == (42, "ar", "clermont-ferrand")


def test_launch_data_issued_within_the_day_are_taken() -> None:
    data = launch_data(42, auth_date=time.time() - 23 * 3600)
    assert LaunchData(TOKEN).user(data).user_id == 42
    assert dict(parse_qsl(data))["hash"]  # signed, and the hash is in the data


def test_a_session_names_its_viewer_until_it_ends() -> None:
    sessions = Sessions(TOKEN)
    viewer = Viewer(42, "clermont-ferrand", "fr")
    assert sessions.read(sessions.issue(viewer)) == viewer
    ended = Sessions(TOKEN, lifetime=timedelta(seconds=-1))
    with pytest.raises(AccessDeniedError, match="ended"):
        ended.read(ended.issue(viewer))


@pytest.mark.parametrize(
    "token",
    ["", "forged", Sessions("654321:ANOTHER-token").issue(Viewer(42, "clermont-ferrand"))],
    ids=["empty", "forged", "another bot's"],
)
def test_a_session_not_of_this_bot_is_refused(token: str) -> None:
    with pytest.raises(AccessDeniedError) as refused:
        Sessions(TOKEN).read(token)
    assert refused.value.status == 401


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_login_link_works_once_and_for_ten_minutes() -> None:
    clock = Clock()
    links = LoginLinks(monotonic=clock)
    viewer = Viewer(42, "clermont-ferrand")
    token = links.issue(viewer)
    assert links.redeem(token) == viewer
    with pytest.raises(AccessDeniedError, match="already used"):
        links.redeem(token)
    late = links.issue(viewer)
    clock.now += 10 * 60 + 1
    with pytest.raises(AccessDeniedError, match="expired"):
        links.redeem(late)
    with pytest.raises(AccessDeniedError):
        links.redeem("made-up")


class Staff:
    """Who is staff of which rally, changeable during the test."""

    def __init__(self) -> None:
        self.of: dict[int, list[str]] = {1: ["clermont-ferrand", "vichy"], 2: ["vichy"]}

    def rallies_of(self, user_id: int) -> list[str]:
        return self.of.get(user_id, [])


@pytest.mark.parametrize(
    ("user_id", "rally", "status_or_rally"),
    [
        (1, None, "clermont-ferrand"),  # the first rally they work on
        (1, "vichy", "vichy"),
        (2, None, "vichy"),
        (2, "clermont-ferrand", 403),  # staff, but of another rally
        (3, None, 403),  # a player
        (3, "clermont-ferrand", 403),
    ],
)
def test_launch_data_give_staff_their_rally_and_refuse_everyone_else(
    user_id: int, rally: str | None, status_or_rally: str | int
) -> None:
    access = DashboardAccess(TOKEN, Staff())
    authorization = f"tma {launch_data(user_id)}"
    if isinstance(status_or_rally, int):
        with pytest.raises(AccessDeniedError) as refused:
            access.viewer(authorization, None, rally)
        assert refused.value.status == status_or_rally
    else:
        assert access.viewer(authorization, None, rally).rally_id == status_or_rally


def test_a_session_stops_working_when_its_holder_leaves_the_staff() -> None:
    staff = Staff()
    access = DashboardAccess(TOKEN, staff)
    session = access.open_session(access.viewer(f"tma {launch_data(2)}", None, None))
    assert access.viewer(f"Bearer {session}", None, None).user_id == 2
    assert access.viewer("", session, None).user_id == 2  # the same session, as a cookie
    staff.of[2] = []
    with pytest.raises(AccessDeniedError) as refused:
        access.viewer(f"Bearer {session}", None, None)
    assert refused.value.status == 403


@pytest.mark.parametrize("authorization", ["", "Basic dXNlcjpwYXNz", "tma", "Bearer"])
def test_no_usable_credentials_is_401(authorization: str) -> None:
    with pytest.raises(AccessDeniedError) as refused:
        DashboardAccess(TOKEN, Staff()).viewer(authorization, None, None)
    assert refused.value.status == 401
