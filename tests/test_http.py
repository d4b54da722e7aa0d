"""The one HTTP client (`review.http`) against a local replay server, and the settings the edge resolves."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from review.errors import SearchError
from review.http import MAX_RETRY_AFTER, Client, ClientSettings, HostLimiter, HttpError, user_agent
from review.protocol import load_protocol
from review.search.api import ApiClient, BudgetExhaustedError
from review.settings import Settings, from_env
from tests.conftest import PROTOCOL
from tests.replay import ReplayServer, Reply
from tests.search_helpers import BUDGET_429

OK = Reply({"ok": True})


@pytest.fixture
def server() -> Iterator[ReplayServer]:
    s = ReplayServer().start()
    s.route("/x", OK)
    yield s
    s.stop()


@pytest.fixture
def waits() -> list[float]:
    return []


@pytest.fixture
def client(waits: list[float]) -> Iterator[Client]:
    settings = ClientSettings(read_timeout=0.3, tries=3, max_bytes=1000, rps=0, sleep=waits.append)
    with Client(settings, rps=0, email="team@example.org") as c:
        yield c


def failure(client: Client, url: str) -> HttpError:
    with pytest.raises(HttpError) as caught:
        client.get_json(url)
    return caught.value


def test_a_429_waits_as_long_as_retry_after_asks_up_to_the_cap(
    server: ReplayServer, client: Client, waits: list[float]
) -> None:
    server.fault("/x", Reply({}, status=429, headers={"Retry-After": "7"}))
    server.fault("/x", Reply({}, status=429, headers={"Retry-After": f"{MAX_RETRY_AFTER:g}"}))
    reply, tries = client.get_json(server.url + "/x")
    assert (reply.status, reply.body, tries) == (200, {"ok": True}, 3)
    assert waits == [7.0, MAX_RETRY_AFTER]


def test_a_longer_retry_after_ends_the_request_at_once(
    server: ReplayServer, client: Client, waits: list[float]
) -> None:
    server.fault("/x", Reply({}, status=503, headers={"Retry-After": "86400"}))
    failed = failure(client, server.url + "/x")
    assert str(failed) == "HTTP 503 Service Unavailable (asks to wait 86400 s)"
    assert len(server.hits("/x")) == 1 and waits == []


def test_server_errors_are_retried_with_doubling_backoff_then_reported(
    server: ReplayServer, client: Client, waits: list[float]
) -> None:
    server.fault("/x", Reply({}, status=502), times=2)
    assert client.get_json(server.url + "/x")[1] == 3
    assert waits == [2.0, 4.0]
    server.fault("/x", Reply({}, status=503), times=3)
    failed = failure(client, server.url + "/x")
    assert (str(failed), failed.tries) == ("HTTP 503 Service Unavailable after 3 tries", 3)


def test_timeouts_are_retried(server: ReplayServer, client: Client) -> None:
    server.fault("/x", Reply({"ok": True}, delay=0.6))
    assert client.get_json(server.url + "/x")[1] == 2
    server.fault("/x", Reply({"ok": True}, delay=0.6), times=3)
    assert str(failure(client, server.url + "/x")) == "timed out after 3 tries"


def test_a_truncated_body_is_fetched_again(server: ReplayServer, client: Client) -> None:
    server.fault("/x", Reply({"ok": True, "padding": "x" * 50}, truncate=True))
    assert client.get_json(server.url + "/x")[0].body == {"ok": True}
    server.fault("/x", Reply({"ok": True, "padding": "x" * 50}, truncate=True), times=3)
    assert str(failure(client, server.url + "/x")) == "malformed JSON after 3 tries"


def test_an_error_status_that_is_not_retried_comes_back_to_the_caller(
    server: ReplayServer, client: Client
) -> None:
    server.route("/bad", Reply({"error": "Invalid filter"}, status=400))
    server.route("/text", Reply("Not here", status=404))
    assert client.get_json(server.url + "/bad")[0].body == {"error": "Invalid filter"}
    assert client.get_json(server.url + "/text")[0].body == "Not here"


def test_a_403_is_final_for_downloads_but_retried_for_the_search_apis(server: ReplayServer) -> None:
    server.route("/forbidden", Reply({"error": "Forbidden"}, status=403))
    patience = ClientSettings(tries=3, rps=0, sleep=lambda _: None)
    with Client(patience, rps=0) as plain:
        assert plain.get_json(server.url + "/forbidden")[0].status == 403
    assert len(server.hits("/forbidden")) == 1
    api = ApiClient("OpenAlex", rps=0, client=patience)
    with pytest.raises(SearchError, match="HTTP 403 Forbidden after 3 tries"):
        api.get_json(server.url + "/forbidden")
    api.close()
    assert len(server.hits("/forbidden")) == 4


def test_a_spent_daily_budget_is_not_retried(server: ReplayServer) -> None:
    server.fault("/x", BUDGET_429)
    api = ApiClient("OpenAlex", rps=0, client=ClientSettings(rps=0, sleep=lambda _: None))
    with pytest.raises(BudgetExhaustedError, match="Insufficient budget"):
        api.get_json(server.url + "/x")
    api.close()
    assert len(server.hits("/x")) == 1


def test_bodies_over_the_cap_are_refused(server: ReplayServer, client: Client) -> None:
    server.route("/big", Reply({"padding": "x" * 2000}))
    assert str(failure(client, server.url + "/big")) == "larger than 1,000 bytes (Content-Length 2,015 bytes)"


def test_only_http_and_https_are_fetched_even_after_a_redirect(server: ReplayServer, client: Client) -> None:
    server.route("/sneaky", Reply({}, status=302, headers={"Location": "file:///etc/passwd"}))
    assert str(failure(client, server.url + "/sneaky")) == "unsupported URL scheme file"
    assert str(failure(client, "ftp://example.org/x")) == "unsupported URL scheme ftp"
    server.route("/loop", Reply({}, status=301, headers={"Location": "/loop"}))
    assert str(failure(client, server.url + "/loop")) == "too many redirects (more than 5)"


def test_headers_for_one_origin_do_not_follow_a_redirect_to_another(
    server: ReplayServer, client: Client
) -> None:
    other = ReplayServer().start()  # another port: another origin
    try:
        other.route("/x", OK)
        server.route("/away", Reply({}, status=302, headers={"Location": other.url + "/x"}))
        reply, _ = client.get_json(server.url + "/away", headers={"Authorization": "Bearer k"})
        assert reply.url == other.url + "/x"
        assert server.hits("/away")[0].headers["Authorization"] == "Bearer k"
        assert "Authorization" not in other.hits("/x")[0].headers
        assert other.hits("/x")[0].headers["User-Agent"] == user_agent("team@example.org")
    finally:
        other.stop()
    assert user_agent("team@example.org").endswith("mailto:team@example.org)")


def test_requests_to_one_host_are_spaced() -> None:
    waits: list[float] = []
    limiter = HostLimiter(10.0, waits.append)
    for host in ("a.org", "a.org", "b.org", "a.org"):
        limiter.wait(host)
    assert len(waits) == 2 and waits[0] == pytest.approx(0.1, abs=0.02)  # b.org did not wait


def test_settings_come_from_the_environment_then_the_protocol() -> None:
    protocol = load_protocol(PROTOCOL)
    env = {"REVIEW_GOVUK_URL": "http://mirror.test/gov/", "OPENALEX_API_KEY": "", "REVIEW_EMAIL": "me@x.org"}
    settings = from_env(env, protocol)
    assert settings == Settings(govuk_url="http://mirror.test/gov", email="me@x.org")
    assert from_env({}, protocol).email == protocol.sources.openalex.email
    assert from_env({}) == Settings()
