"""HTML to PDF with headless Chromium (Playwright's sync API, Debian's ``chromium``).

One place for the partner tools' impact report and the reports (:mod:`healthgap.reports`):
tagged PDF with a document outline (headings become bookmarks), A4, optional page numbers in
the footer. Several documents print in one browser session (:func:`print_pdfs`), which is
what makes the 33 borough briefings cheap. Playwright's sync API refuses to run where an
asyncio loop is running (a web server, a notebook, a test session driving a browser), so the
browser is driven from a thread of its own.
"""

from __future__ import annotations

import atexit
import os
import queue
import shutil
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING

from healthgap.errors import ConfigurationError

if TYPE_CHECKING:
    from playwright.sync_api import PdfMargins

__all__ = ["PAGE_NUMBER_FOOTER", "chromium_path", "print_pdf", "print_pdfs"]

#: Chromium switches for a closed network: no background fetches, no component updates.
CHROMIUM_ARGS = [
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

#: A footer with "Page N of M" (Chromium fills the ``pageNumber``/``totalPages`` spans).
PAGE_NUMBER_FOOTER = (
    '<div style="font-size:8pt;width:100%;text-align:center;color:#333;'
    'font-family:system-ui,sans-serif">Page <span class="pageNumber"></span> of '
    '<span class="totalPages"></span></div>'
)


#: Page margins when a footer is printed (Chromium draws the footer inside the margin).
_MARGINS: PdfMargins = {"top": "15mm", "bottom": "18mm", "left": "14mm", "right": "14mm"}


def chromium_path() -> Path | None:
    """The Chromium to print with: ``$HEALTHGAP_CHROMIUM``, else ``chromium`` on the PATH."""
    named = os.environ.get("HEALTHGAP_CHROMIUM")
    if named:
        return Path(named) if Path(named).is_file() else None
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    return None if found is None else Path(found)


def print_pdf(
    html: str, out: Path, *, chromium: Path | None = None, footer: str | None = None
) -> Path:
    """Print ``html`` to a tagged PDF with an outline at ``out`` (A4). ``footer``: an HTML
    footer template (e.g. :data:`PAGE_NUMBER_FOOTER`). ``ConfigurationError`` when Playwright
    or Chromium is not installed."""
    print_pdfs([(html, out)], chromium=chromium, footer=footer)
    return out


def print_pdfs(
    jobs: Sequence[tuple[str, Path]], *, chromium: Path | None = None, footer: str | None = None
) -> list[Path]:
    """Print each ``(html, out)`` of ``jobs`` in one browser session; the paths written.

    Chromium is started once per process and kept (:class:`_Printer`): starting Playwright
    and the browser costs 2–3 s, printing a page about 1 s."""
    browser_path = chromium if chromium is not None else chromium_path()
    if browser_path is None:
        raise ConfigurationError(
            "PDF needs Chromium: install it (apt-get install chromium) or set HEALTHGAP_CHROMIUM"
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:
        raise ConfigurationError("PDF needs Playwright: pip install playwright") from exc
    with _PRINTERS_LOCK:
        printer = _PRINTERS.get(browser_path)
        if printer is None or not printer.alive():
            printer = _PRINTERS[browser_path] = _Printer(browser_path)
    return printer.print(list(jobs), footer)


_Job = tuple[list[tuple[str, Path]], str | None, "Future[list[Path]]"]


class _Printer:
    """One Playwright and one Chromium in a thread of their own, printing queued jobs one at
    a time. Playwright's sync API refuses to run where an asyncio loop is running (a web
    server, a notebook, a test session driving a browser), hence the thread; a browser that
    died is started again for the next job."""

    def __init__(self, browser_path: Path) -> None:
        self._path = browser_path
        self._jobs: queue.Queue[_Job | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="healthgap-pdf", daemon=True)
        self._thread.start()

    def alive(self) -> bool:
        return self._thread.is_alive()

    def print(self, pages: list[tuple[str, Path]], footer: str | None) -> list[Path]:
        done: Future[list[Path]] = Future()
        self._jobs.put((pages, footer, done))
        deadline = time.monotonic() + _PRINT_TIMEOUT * max(1, len(pages))
        while True:
            try:
                return done.result(timeout=0.5)
            except TimeoutError:
                if not self._thread.is_alive() and not done.done():
                    raise ConfigurationError("the PDF printer stopped; try again") from None
                if time.monotonic() > deadline:
                    raise

    def close(self) -> None:
        self._jobs.put(None)
        self._thread.join(timeout=10)

    def _run(self) -> None:
        from playwright.sync_api import sync_playwright

        job = self._jobs.get()
        try:
            with sync_playwright() as pw:
                browser = None
                while job is not None:
                    pages, footer, done = job
                    try:
                        if browser is None or not browser.is_connected():
                            browser = pw.chromium.launch(
                                executable_path=str(self._path), args=CHROMIUM_ARGS
                            )
                        page = browser.new_page()
                        try:
                            for html, out in pages:
                                page.set_content(html, wait_until="load")
                                page.pdf(
                                    path=str(out),
                                    format="A4",
                                    tagged=True,
                                    outline=True,
                                    print_background=True,
                                    display_header_footer=footer is not None,
                                    header_template="<span></span>",
                                    footer_template=footer or "<span></span>",
                                    margin=_MARGINS if footer is not None else None,
                                )
                        finally:
                            page.close()
                        done.set_result([out for _, out in pages])
                    except BaseException as exc:  # re-raised in the caller's thread
                        done.set_exception(exc)
                    job = self._jobs.get()
                if browser is not None:
                    browser.close()
        except BaseException as exc:  # Playwright itself failed: fail this and later jobs
            while job is not None:
                if not job[2].done():
                    job[2].set_exception(exc)
                try:
                    job = self._jobs.get_nowait()
                except queue.Empty:
                    job = None


#: Longest wait for one page to print (seconds).
_PRINT_TIMEOUT = 120
_PRINTERS: dict[Path, _Printer] = {}
_PRINTERS_LOCK = threading.Lock()


@atexit.register
def _close_printers() -> None:
    with _PRINTERS_LOCK:
        printers = list(_PRINTERS.values())
        _PRINTERS.clear()
    for p in printers:
        p.close()
