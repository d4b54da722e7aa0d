"""`review serve`: invitation links from the CLI, and what it says as it starts."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import Engine
from starlette.testclient import TestClient

from review.cli import serve
from review.web.app import WebConfig
from tests.conftest import ReviewRunner
from tests.web_helpers import csrf_of

LINK = re.compile(r"^(http://127\.0\.0\.1:8080)/signin/(\S+)$", re.M)


def test_invite_prints_a_link_that_signs_in(run: ReviewRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    result = run("serve", "--invite", "reviewer1")
    assert result.exit_code == 0, result.output
    found = LINK.search(result.output)
    assert found, result.output
    assert "signs in once and expires in 7 days" in result.output
    started: dict[str, Any] = {}
    monkeypatch.setattr("uvicorn.run", lambda app, **kw: started.update(app=app, **kw))
    _secret_outside_on_postgresql(run, monkeypatch)
    assert run("serve").exit_code == 0
    client = TestClient(started["app"], follow_redirects=False)
    page = client.get(f"/signin/{found.group(2)}")
    assert client.post(f"/signin/{found.group(2)}", data={"csrf": csrf_of(page.text)}).status_code == 303
    assert client.get("/screen").status_code == 200
    started["app"].state.site.config.engine.dispose()  # the CLI closed its store when serve returned


def test_invite_refuses_a_name_the_protocol_does_not_give(run: ReviewRunner) -> None:
    result = run("serve", "--invite", "mallory")
    assert result.exit_code == 1
    assert "Unknown reviewer 'mallory'" in result.stderr


def test_invite_links_use_the_public_url(run: ReviewRunner) -> None:
    result = run("serve", "--invite", "reviewer2", "--url", "https://review.example.org/")
    assert result.output.startswith("https://review.example.org/signin/"), result.output


def test_serve_says_where_and_warns_away_from_loopback(
    run: ReviewRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: dict[str, Any] = {}
    configs: list[WebConfig] = []
    monkeypatch.setattr("uvicorn.run", lambda app, **kw: started.update(kw))
    monkeypatch.setattr("review.web.app.create_app", lambda config: configs.append(config))
    pg = _secret_outside_on_postgresql(run, monkeypatch)
    local = run("serve", "--port", "8123")
    assert local.exit_code == 0, local.output
    monkeypatch.delenv(serve.SECRET_ENV, raising=False)
    assert "Serving the review at http://127.0.0.1:8123/" in local.output
    assert "TLS" not in local.output
    keyless = run("serve", "--host", "0.0.0.0")
    assert keyless.exit_code == 1 and "set REVIEW_WEB_SECRET" in keyless.stderr
    monkeypatch.setenv(serve.SECRET_ENV, "kept-outside-the-store")
    team = run("serve", "--host", "0.0.0.0")
    assert "behind the organisation's TLS proxy" in team.output
    assert [c.https_only for c in configs] == [False, True]
    assert pg or configs[0].secret != "kept-outside-the-store"
    assert started == {"host": "0.0.0.0", "port": 8080, "log_level": "warning", "access_log": False}


def test_the_cookie_secret_is_kept_and_can_come_from_the_environment(
    run: ReviewRunner, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    configs: list[WebConfig] = []
    monkeypatch.setattr("uvicorn.run", lambda app, **kw: None)
    monkeypatch.setattr("review.web.app.create_app", lambda config: configs.append(config))
    if not run.db.startswith("postgresql"):  # kept in the store only on SQLite
        run("serve")
        run("serve")
        assert configs[0].secret == configs[1].secret and len(configs[0].secret) >= 32
    monkeypatch.setenv(serve.SECRET_ENV, "kept-outside-the-store")
    run("serve")
    assert configs[-1].secret == "kept-outside-the-store"


def _secret_outside_on_postgresql(run: ReviewRunner, monkeypatch: pytest.MonkeyPatch) -> bool:
    """On PostgreSQL the cookie secret must come from the environment (writers' SQL reads `meta`)."""
    pg = run.db.startswith("postgresql")
    if pg:
        monkeypatch.setenv(serve.SECRET_ENV, "kept-outside-the-store")
    return pg


@pytest.mark.parametrize(
    ("host", "loopback"), [("127.0.0.1", True), ("::1", True), ("localhost", True), ("0.0.0.0", False),
                           ("192.168.1.4", False), ("review.example.org", False)]
)  # fmt: skip
def test_loopback(host: str, loopback: bool) -> None:
    assert serve._loopback(host) is loopback
