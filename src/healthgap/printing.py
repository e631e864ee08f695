"""HTML to PDF with headless Chromium (Playwright's sync API, Debian's ``chromium``).

One place for the partner tools' impact report and the reports (:mod:`healthgap.reports`):
tagged PDF with a document outline (headings become bookmarks), A4, optional page numbers in
the footer. Several documents print in one browser session (:func:`print_pdfs`), which is
what makes the 33 borough briefings cheap. Playwright's sync API refuses to run where an
asyncio loop is running (a web server, a notebook, a test session driving a browser), so the
browser is driven from a thread of its own.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Sequence
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
    """Print each ``(html, out)`` of ``jobs`` in one browser session; the paths written."""
    browser_path = chromium if chromium is not None else chromium_path()
    if browser_path is None:
        raise ConfigurationError(
            "PDF needs Chromium: install it (apt-get install chromium) or set HEALTHGAP_CHROMIUM"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        raise ConfigurationError("PDF needs Playwright: pip install playwright") from exc

    def run() -> None:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(browser_path), args=CHROMIUM_ARGS)
            try:
                page = browser.new_page()
                for html, out in jobs:
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
                browser.close()

    failure: list[BaseException] = []

    def guarded() -> None:
        try:
            run()
        except BaseException as exc:  # re-raised in the caller's thread
            failure.append(exc)

    worker = threading.Thread(target=guarded, name="healthgap-pdf")
    worker.start()
    worker.join()
    if failure:
        raise failure[0]
    return [out for _, out in jobs]
