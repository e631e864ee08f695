"""Checks of printed reports with Debian's poppler-utils (pdfinfo, pdftoppm, pdftotext): page
count and size, tagging, PNG pages, and that no chart came out blank."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np


def info(pdf: Path) -> dict[str, str]:
    out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    return {
        k.strip(): v.strip()
        for k, _, v in (line.partition(":") for line in out.stdout.splitlines())
    }


def png_pages(pdf: Path, out: Path, *, dpi: int = 30) -> list[Path]:
    """Every page as a PNG (pdftoppm)."""
    out.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), str(pdf), str(out / "page")], check=True)
    return sorted(out.glob("page-*.png"))


def _pgm(data: bytes) -> np.ndarray:
    """A binary PGM (P5, 8-bit) as an array."""
    m = re.match(rb"P5\s+(\d+)\s+(\d+)\s+(\d+)\s", data)
    assert m, "not a binary PGM"
    w, h = int(m.group(1)), int(m.group(2))
    return np.frombuffer(data[m.end() : m.end() + w * h], dtype=np.uint8).reshape(h, w)


def grey(
    pdf: Path, page: int, *, dpi: int = 50, box: tuple[float, float, float, float] | None = None
) -> np.ndarray:
    """One page (or the ``box`` x0, y0, x1, y1 in points of it) in grey levels."""
    args = ["pdftoppm", "-gray", "-r", str(dpi), "-f", str(page), "-l", str(page)]
    if box is not None:
        s = dpi / 72
        x0, y0, x1, y1 = box
        args += ["-x", str(int(x0 * s)), "-y", str(int(y0 * s))]
        args += ["-W", str(int((x1 - x0) * s)), "-H", str(int((y1 - y0) * s))]
    got = subprocess.run([*args, str(pdf)], capture_output=True, check=True)
    return _pgm(got.stdout)


@dataclass(frozen=True)
class Caption:
    page: int
    number: int
    y_bottom: float


def figure_captions(pdf: Path) -> list[Caption]:
    """Where each "Figure N." caption is printed (page and the bottom of its line)."""
    got = subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True
    )
    out: list[Caption] = []
    for p, page in enumerate(got.stdout.split("<page ")[1:], start=1):
        words = re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>',
            page,
        )
        for i, (_, _, _, y1, w) in enumerate(words[:-1]):
            nxt = words[i + 1][4]
            if w == "Figure" and re.fullmatch(r"\d+\.", nxt):
                out.append(Caption(p, int(nxt[:-1]), float(y1)))
    return out


def chart_ink(pdf: Path, caption: Caption, *, height: float = 110.0) -> float:
    """Share of dark pixels in the band under a figure caption (where its chart is drawn)."""
    top = caption.y_bottom + 4
    img = grey(pdf, caption.page, box=(40.0, top, 555.0, min(top + height, 830.0)))
    return float((img < 200).mean())
