"""Download one URL to a cache file: TLS verified, retried with backoff, checked to be CSV.

Standard library only (``urllib``): TLS certificates are always verified with the default
context (there is no option to turn that off). A download is written to ``<dest>.part`` and
renamed only when complete, so a file in the cache is always a whole response; a re-run
skips every URL whose file is already cached. See ADR 0510.
"""

from __future__ import annotations

import functools
import http.client
import re
import socket
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from healthgap import __version__
from healthgap.errors import HealthgapError

__all__ = ["FetchError", "RetryPolicy", "download", "looks_like_html"]

USER_AGENT = f"healthgap/{__version__} (+https://github.com/healthgap)"
_CHUNK = 1 << 16
_RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
_TITLE = re.compile(rb"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


class FetchError(HealthgapError):
    """A download failed or returned something other than the data; nothing was written."""


@dataclass(frozen=True)
class RetryPolicy:
    """``attempts`` tries in all; the wait before try *n* + 1 is ``delay`` × 2^(n-1) seconds."""

    attempts: int = 4
    delay: float = 1.0
    timeout: float = 120.0

    def wait(self, attempt: int) -> float:
        return float(self.delay * (2 ** (attempt - 1)))


def looks_like_html(head: bytes, content_type: str | None) -> bool:
    """True when a response is a web page (a proxy's login or error page), not data."""
    if content_type is not None and "html" in content_type.lower():
        return True
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return start.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<?xml"))


def _html_summary(body: bytes) -> str:
    title = _TITLE.search(body)
    text = title.group(1) if title else body[:120]
    words = " ".join(text.decode("utf-8", "replace").split())
    return words[:100] or "(empty page)"


class _TransientError(Exception):
    """A failure worth retrying (5xx, timeout, reset, truncated body)."""


def _offline(url: str, reason: object) -> FetchError:
    host = urlsplit(url).netloc
    return FetchError(
        f"cannot reach {host} ({reason}): are you offline, or is a proxy needed? "
        "nothing was written"
    )


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """The verifying TLS context every fetch uses, built once per process (loading the
    system's CA certificates costs about a tenth of a second each time)."""
    return ssl.create_default_context()


def _fetch_once(url: str, part: Path, timeout: float) -> None:
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "text/csv"})
    context = _tls_context()
    try:
        response = urllib.request.urlopen(request, timeout=timeout, context=context)
    except urllib.error.HTTPError as exc:
        body = exc.read(4096) if exc.fp is not None else b""
        if exc.code in _RETRY_STATUSES:
            raise _TransientError(f"HTTP {exc.code} {exc.reason}") from None
        if looks_like_html(body, exc.headers.get("Content-Type")):
            detail = _html_summary(body)
        else:
            detail = body.decode("utf-8", "replace").strip()[:100]
        raise FetchError(
            f"{url}: HTTP {exc.code} {exc.reason}"
            + (f": {detail}" if detail else "")
            + "; nothing was written"
        ) from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, ssl.SSLError):
            raise FetchError(
                f"{url}: TLS certificate check failed ({reason}); nothing was written"
            ) from None
        if isinstance(reason, TimeoutError | socket.timeout):
            raise _TransientError(f"timed out: {reason}") from None
        raise _TransientError(_offline(url, reason)) from None
    except (TimeoutError, ConnectionError, http.client.HTTPException) as exc:
        raise _TransientError(f"{type(exc).__name__}: {exc}") from None
    with response:
        content_type = response.headers.get("Content-Type")
        expected = response.headers.get("Content-Length")
        got = 0
        head = b""
        try:
            with part.open("wb") as out:
                while True:
                    chunk = response.read(_CHUNK)
                    if not chunk:
                        break
                    if len(head) < 512:
                        head += chunk[: 512 - len(head)]
                        if looks_like_html(head, content_type):
                            raise FetchError(
                                f"expected CSV from {url}, got HTML: "
                                f"{_html_summary(head + response.read(8192))}; "
                                "nothing was written"
                            )
                    out.write(chunk)
                    got += len(chunk)
        except http.client.IncompleteRead as exc:
            raise _TransientError(
                f"the response was cut short ({got + len(exc.partial)} of {expected} bytes)"
            ) from None
        except (TimeoutError, ConnectionError) as exc:
            raise _TransientError(f"{type(exc).__name__} while reading: {exc}") from None
        if expected is not None and expected.isdigit() and got != int(expected):
            raise _TransientError(f"the response was cut short ({got} of {expected} bytes)")


def download(
    url: str,
    dest: Path,
    *,
    policy: RetryPolicy | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> bool:
    """Fetch ``url`` into ``dest`` unless ``dest`` already exists; True if it was fetched.

    Retries 5xx/408/429, timeouts, resets and truncated bodies with exponential backoff;
    a 4xx other than those, an HTML page or a TLS failure fails at once. Raises
    ``FetchError`` with one line saying what happened and that nothing was written.
    """
    if dest.is_file():
        return False
    rules = policy if policy is not None else RetryPolicy()
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    last: _TransientError | None = None
    for attempt in range(1, rules.attempts + 1):
        try:
            _fetch_once(url, part, rules.timeout)
        except _TransientError as exc:
            last = exc
            part.unlink(missing_ok=True)
            if attempt < rules.attempts:
                sleep(rules.wait(attempt))
            continue
        except BaseException:
            part.unlink(missing_ok=True)
            raise
        part.replace(dest)
        return True
    assert last is not None
    cause = last.args[0] if last.args else last
    if isinstance(cause, FetchError):
        raise cause
    raise FetchError(f"{url}: {cause} (after {rules.attempts} attempts); nothing was written")
