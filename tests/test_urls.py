"""A configured URL as logs and error bodies show it: host and path, no credentials."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from guard.stores import StoreError, store_from_url
from guard.urls import NOT_A_URL, shown_url


@pytest.mark.parametrize(("url", "shown"), [
    ("https://gw.example/v1?key=abc", "https://gw.example/v1"),
    ("http://user:pw@127.0.0.1:8080/v1/?a=1#f", "http://127.0.0.1:8080/v1/"),
    ("https://user@gw.example", "https://gw.example"),
    ("https://u:p@ss@gw.example/x?sig=y", "https://gw.example/x"),  # the last @ ends userinfo
    ("redis://:s3cret@cache:6379/0?password=x&timeout=1", "redis://cache:6379/0"),
    ("http://[::1]:4000/v1?key=k", "http://[::1]:4000/v1"),
    ("  https://gw.example/v1?key=k ", "https://gw.example/v1"),
    ("notaurl", NOT_A_URL), ("sk-proj-abcdef", NOT_A_URL), ("http://", NOT_A_URL),
    ("http://u:p@/x", NOT_A_URL), ("http://[::1/x?k=v", NOT_A_URL), ("", NOT_A_URL),
])
def test_shown_urls_keep_where_and_drop_what(url: str, shown: str) -> None:
    assert shown_url(url) == shown


SECRET = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=8, max_size=20)


@given(SECRET, SECRET, SECRET)
def test_no_password_or_query_value_is_ever_shown(password: str, key: str, frag: str) -> None:
    for url in (f"https://user:{password}@gw.example/v1?key={key}#{frag}",
                f"https://gw.example:8443/openai?api-key={key}&x={password}",
                f"redis://:{password}@cache/0?password={key}"):
        shown = shown_url(url)
        assert password not in shown and key not in shown and frag not in shown


def test_a_store_url_of_an_unknown_scheme_is_named_without_its_secrets() -> None:
    with pytest.raises(StoreError) as caught:
        store_from_url("postgres://app:pw-s3cret@db:5432/x?sslpassword=q-s3cret")
    assert "postgres://db:5432/x" in str(caught.value) and "s3cret" not in str(caught.value)
