"""Every page links an icon, and /favicon.ico, which browsers ask for anyway, answers with it."""

from __future__ import annotations

import pytest
from django.conf import settings


def test_favicon_ico_is_answered_with_the_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] in ("image/x-icon", "image/vnd.microsoft.icon")
    assert (
        b"".join(response.streaming_content)
        == (settings.BASE_DIR / "static" / "favicon.ico").read_bytes()
    )
    assert "max-age=86400" in response["Cache-Control"]


@pytest.mark.django_db
def test_every_page_links_the_icon(client):
    page = client.get("/").content.decode()
    assert 'rel="icon" href="/static/favicon.svg" type="image/svg+xml"' in page
    assert 'rel="icon" href="/static/favicon.ico"' in page
