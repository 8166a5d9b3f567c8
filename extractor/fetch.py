"""HTTP fetching: the only module that opens sockets.

A plain, careful GET for the URLs a researcher gives: a timeout, a size limit
that stops endless or huge bodies, a content-type check and a redirect limit.
"""

from __future__ import annotations

import logging
import urllib.error
import urllib.request
from datetime import UTC, datetime

from .errors import UnreadableInput
from .models import Page

log = logging.getLogger(__name__)

USER_AGENT = "adminduk-facts/0.1 (+https://github.com/adminduk-facts; research crawler)"
DEFAULT_MAX_BYTES = 5 * 1024 * 1024
DEFAULT_TIMEOUT = 20.0
ACCEPTED_TYPES = ("text/html", "application/xhtml+xml", "text/plain")


def fetch_page(url: str, *, max_bytes: int = DEFAULT_MAX_BYTES,
               timeout: float = DEFAULT_TIMEOUT) -> Page:
    """GET one page; raise UnreadableInput with the reason when it cannot be had."""
    if not url.lower().startswith(("http://", "https://")):
        raise UnreadableInput(f"{url}: only http and https URLs can be fetched")
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT,
                                                   "Accept": "text/html,*/*;q=0.5"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            content_type = response.headers.get("Content-Type")
            if content_type and not content_type.split(";")[0].strip().lower().startswith(ACCEPTED_TYPES):
                raise UnreadableInput(f"{url}: content type {content_type!r} is not a web page")
            body = response.read(max_bytes + 1)
            if len(body) > max_bytes:
                raise UnreadableInput(
                    f"{url}: page larger than {max_bytes} bytes; raise the size limit to read it")
            return Page(url=response.geturl(), content=body, content_type=content_type,
                        status=response.status, fetched_at=datetime.now(UTC).isoformat())
    except urllib.error.HTTPError as error:
        raise UnreadableInput(f"{url}: HTTP {error.code} {error.reason}") from error
    except urllib.error.URLError as error:
        raise UnreadableInput(f"{url}: cannot connect ({error.reason})") from error
    except TimeoutError as error:
        raise UnreadableInput(f"{url}: no answer within {timeout:g} s") from error
