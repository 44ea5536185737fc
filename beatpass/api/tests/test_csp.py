"""The CSP middleware: django-csp's header, with a plain response's policy built once."""

from __future__ import annotations

import pytest
from csp.constants import HEADER, HEADER_REPORT_ONLY, NONCE, SELF
from csp.exceptions import CSPNonceError
from csp.middleware import CSPMiddleware as DjangoCSPMiddleware
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from beatpass.api.middleware import CSPMiddleware

POLICY = {"DIRECTIVES": {"default-src": [SELF], "script-src": [SELF, NONCE]}}
POLICY_TEXT = {"default-src 'self'", "script-src 'self'"}


def directives(header: str) -> set[str]:
    return set(header.split("; "))  # django-csp's directive order is not fixed


def run(middleware_class, *, path="/api/v1/tracks", view=None):
    request = RequestFactory().get(path)
    middleware = middleware_class(view or (lambda request: HttpResponse("{}")))
    return request, middleware(request)


def test_a_plain_response_gets_exactly_django_csps_header():
    _, ours = run(CSPMiddleware)
    _, theirs = run(DjangoCSPMiddleware)
    assert ours[HEADER] == theirs[HEADER]
    assert "frame-ancestors 'none'" in ours[HEADER]


def test_a_settings_change_changes_the_cached_policy():
    run(CSPMiddleware)  # cache the project's policy first
    with override_settings(CONTENT_SECURITY_POLICY=POLICY):
        _, response = run(CSPMiddleware)
    assert directives(response[HEADER]) == POLICY_TEXT
    _, after = run(CSPMiddleware)
    assert "frame-ancestors 'none'" in after[HEADER]


@override_settings(CONTENT_SECURITY_POLICY=POLICY)
def test_a_request_that_used_a_nonce_gets_it_in_its_header():
    def view(request):
        return HttpResponse(f"<script nonce='{request.csp_nonce}'></script>")

    request, response = run(CSPMiddleware, view=view)
    assert f"'nonce-{request._csp_nonce}'" in response[HEADER]


def test_a_per_view_policy_still_applies():
    def view(request):
        response = HttpResponse("{}")
        response._csp_update = {"img-src": ["https://cdn.example"]}
        return response

    _, response = run(CSPMiddleware, view=view)
    assert "https://cdn.example" in response[HEADER]


def test_exempt_and_excluded_responses_get_no_header():
    def exempt(request):
        response = HttpResponse("{}")
        response._csp_exempt = True
        return response

    assert HEADER not in run(CSPMiddleware, view=exempt)[1]
    with override_settings(CONTENT_SECURITY_POLICY={**POLICY, "EXCLUDE_URL_PREFIXES": ["/raw/"]}):
        assert HEADER not in run(CSPMiddleware, path="/raw/x")[1]
        assert HEADER in run(CSPMiddleware, path="/api/v1/x")[1]


def test_report_only_policy_is_cached_and_sent_too():
    with override_settings(CONTENT_SECURITY_POLICY_REPORT_ONLY=POLICY):
        _, response = run(CSPMiddleware)
    assert directives(response[HEADER_REPORT_ONLY]) == POLICY_TEXT
    assert HEADER_REPORT_ONLY not in run(CSPMiddleware)[1]


def test_a_nonce_asked_for_after_the_response_is_an_error():
    request, _ = run(CSPMiddleware)
    with pytest.raises(CSPNonceError):
        str(request.csp_nonce)


class ExemptResponse(HttpResponse):
    _csp_exempt = True


class UpdatedResponse(HttpResponse):
    _csp_update = {"img-src": ["https://cdn.example"]}  # noqa: RUF012 - as the decorator sets


@pytest.mark.parametrize("response_class", [ExemptResponse, UpdatedResponse])
def test_a_response_class_that_sets_a_policy_is_read_as_django_csp_reads_it(response_class):
    _, ours = run(CSPMiddleware, view=lambda request: response_class("{}"))
    _, theirs = run(DjangoCSPMiddleware, view=lambda request: response_class("{}"))
    assert ours.get(HEADER) == theirs.get(HEADER)
    assert (HEADER in ours) is (response_class is UpdatedResponse)
