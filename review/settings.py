"""Where the network stages find the services and who they say is asking, resolved once.

The edge (the CLI, the demo, a test) builds a `Settings` and passes it to the stages; no stage
reads the environment. So the demo points the connectors at its replay server by building one,
instead of rewriting the process environment.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from review.protocol import Protocol

OPENALEX_URL = "https://api.openalex.org"
GOVUK_URL = "https://www.gov.uk"


@dataclass(frozen=True)
class Settings:
    """The services' base URLs, the OpenAlex key and the contact address. Defaults: the public services."""

    openalex_url: str = OPENALEX_URL  # REVIEW_OPENALEX_URL: a mirror, a proxy or a test server
    govuk_url: str = GOVUK_URL  # REVIEW_GOVUK_URL: Search and Content API (also for full-text HTML)
    openalex_api_key: str | None = None  # OPENALEX_API_KEY; sent in a header, never logged
    email: str | None = None  # REVIEW_EMAIL, else the protocol's sources.openalex.email

    def __post_init__(self) -> None:
        # URLs are joined as `base + "/path"`: a trailing slash in a setting must not double it.
        object.__setattr__(self, "openalex_url", self.openalex_url.rstrip("/"))
        object.__setattr__(self, "govuk_url", self.govuk_url.rstrip("/"))


def from_env(environ: Mapping[str, str], protocol: Protocol | None = None) -> Settings:
    """The settings an invocation runs with: the environment first, then the protocol, then defaults.

    An empty variable counts as unset.
    """
    protocol_email = protocol.sources.openalex.email if protocol is not None else None
    return Settings(
        openalex_url=environ.get("REVIEW_OPENALEX_URL") or OPENALEX_URL,
        govuk_url=environ.get("REVIEW_GOVUK_URL") or GOVUK_URL,
        openalex_api_key=environ.get("OPENALEX_API_KEY") or None,
        email=environ.get("REVIEW_EMAIL") or protocol_email or None,
    )
