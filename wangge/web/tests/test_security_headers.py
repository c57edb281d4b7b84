"""The security headers of every page: the Content Security Policy (no inline script or style,
no eval, nothing framing the site) and the Permissions-Policy (the phone's position and camera
for this site only, the rest off). The browser test `test_browser_csp.py` shows the pages keep
to the policy."""

from django.urls import reverse


def directives(header: str) -> dict[str, list[str]]:
    return {name: values for name, *values in (part.split() for part in header.split("; "))}


def test_every_page_carries_a_strict_content_security_policy(client, worker_a):
    client.force_login(worker_a)
    for url in (reverse("home"), reverse("login"), reverse("board"), "/no-such-page/"):
        policy = directives(client.get(url)["Content-Security-Policy"])
        assert policy["default-src"] == ["'self'"]
        # No page uses the nonce: it is only sent when a template asks for it.
        assert policy["script-src"] == ["'self'"]
        assert policy["style-src"] == ["'self'"]
        assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
        assert not {"'unsafe-inline'", "'unsafe-eval'"} & {v for values in policy.values() for v in values}


def test_the_permissions_policy_allows_location_and_camera_for_this_site_only(client):
    header = client.get(reverse("login"))["Permissions-Policy"]
    features = dict(part.split("=", 1) for part in header.split(", "))
    assert features["geolocation"] == "(self)"
    assert features["camera"] == "(self)"
    assert features["microphone"] == "()" and features["payment"] == "()" and features["usb"] == "()"
