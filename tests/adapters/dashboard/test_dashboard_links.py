"""The dashboard over HTTP: a signed link opens its channel's page (every KR, its chart,
the review), its charts are PNGs; an expired or altered link gets a clear 403 page and
reads nothing; channel A's link shows nothing of channel B."""

from __future__ import annotations

from datetime import timedelta

from adapters.dashboard.links import DashboardLinks, LinkRefused, derive_keys
from tests.adapters.dashboard.conftest import SECRET, A, B, DashboardWorld, say

PNG = b"\x89PNG\r\n\x1a\n"


async def test_a_signed_link_opens_its_channels_page(dashboard_world: DashboardWorld) -> None:
    response = await dashboard_world.client.get(dashboard_world.path(A))
    assert response.status == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    html = await response.text()
    assert "<h1>#team-alpha" in html
    for code, metric in (("KR-1", "alpha signups"), ("KR-2", "alpha retention")):
        assert f'<h3 id="{code}-title">{code} · {metric}</h3>' in html
        assert f'/chart/{code}.png"' in html
    assert "team-alpha item 2" in html  # tagged items
    assert "Outcome review" in html and "<table>" in html  # a table beside each chart


async def test_each_chart_of_the_page_is_a_png(dashboard_world: DashboardWorld) -> None:
    base = dashboard_world.path(A)
    for name in ("KR-1", "KR-2"):
        response = await dashboard_world.client.get(f"{base}/chart/{name}.png")
        assert response.status == 200 and response.content_type == "image/png"
        assert (await response.read()).startswith(PNG)
    missing = await dashboard_world.client.get(f"{base}/chart/KR-9.png")
    assert missing.status == 404


async def test_an_expired_link_is_refused_with_a_clear_page(
    dashboard_world: DashboardWorld,
) -> None:
    old = dashboard_world.path(A, now=dashboard_world.clock.now() - timedelta(days=7, minutes=1))
    response = await dashboard_world.client.get(old)
    assert response.status == 403
    html = await response.text()
    assert "This dashboard link has expired" in html and "alpha" not in html
    chart = await dashboard_world.client.get(f"{old}/chart/KR-1.png")
    assert chart.status == 403
    fresh = dashboard_world.path(A, now=dashboard_world.clock.now() - timedelta(days=6))
    assert (await dashboard_world.client.get(fresh)).status == 200


async def test_a_tampered_link_is_refused(dashboard_world: DashboardWorld) -> None:
    good = dashboard_world.path(A).removeprefix("/dashboard/")
    payload, signature = good.split(".")
    b_token = dashboard_world.path(B).removeprefix("/dashboard/")
    forged = [
        f"{b_token.split('.')[0]}.{signature}",  # B's channel with A's signature
        f"{payload}.{signature[:-2]}AA",
        f"{payload[:-1]}x.{signature}",
        "not-a-token",
        "a" * 2000,
        DashboardLinks(base_url="", keys=derive_keys("another-key")).token(
            "slack", "T0DASH", A.channel),
    ]
    for token in forged:
        response = await dashboard_world.client.get(f"/dashboard/{token}")
        assert response.status == 403, token
        html = await response.text()
        assert "not valid" in html and "alpha" not in html and "bravo" not in html


async def test_channel_as_link_shows_nothing_of_channel_b(
    dashboard_world: DashboardWorld,
) -> None:
    html_a = await (await dashboard_world.client.get(dashboard_world.path(A))).text()
    html_b = await (await dashboard_world.client.get(dashboard_world.path(B))).text()
    assert "bravo" not in html_a.lower() and "alpha" not in html_b.lower()
    assert "bravo secret revenue" in html_b
    # B has one KR: KR-2's chart through B's link is not A's KR-2
    response = await dashboard_world.client.get(f"{dashboard_world.path(B)}/chart/KR-2.png")
    assert response.status == 404


def test_a_rotated_key_still_opens_links_signed_before() -> None:
    old = DashboardLinks(base_url="https://x", keys=derive_keys("old-key"))
    token = old.token("slack", "T1", "C1")
    rotated = DashboardLinks(base_url="https://x", keys=derive_keys("new-key,old-key"))
    assert rotated.read(token).channel == "C1"
    try:
        DashboardLinks(base_url="https://x", keys=derive_keys("new-key")).read(token)
    except LinkRefused as refused:
        assert refused.reason == "invalid"
    else:
        raise AssertionError("a link signed with a retired key opened")
    assert SECRET not in token


async def test_what_people_typed_is_escaped_and_the_page_runs_no_script(
    dashboard_world: DashboardWorld,
) -> None:
    await say(dashboard_world.bot, A, 'tag "<script>alert(1)</script> & <b>x</b>" KR-1')
    response = await dashboard_world.client.get(dashboard_world.path(A))
    html = await response.text()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;x&lt;/b&gt;" in html
    assert "<script" not in html
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
