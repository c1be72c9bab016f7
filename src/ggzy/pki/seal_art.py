"""What a seal looks like: the CJK font it is written in and the red round seal image.

The Debian ``fonts-noto-cjk`` package ships OpenType *collections* (.ttc); pyHanko's glyph
accumulator and fpdf2 both want a single font file, so the Simplified Chinese face is split out of
the collection once per machine into a cache file (libraries.md §3: "a .ttc has to be split first").
"""

from __future__ import annotations

import io
import math
import os
import tempfile
from functools import lru_cache
from pathlib import Path

from ggzy.kit.errors import ConfigError

FONT_COLLECTIONS = (
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"),
)
SC_FAMILIES = ("Noto Sans CJK SC", "Noto Serif CJK SC")
SEAL_RED = (215, 20, 20, 255)


def _cache_dir() -> Path:
    return Path(os.environ.get("GGZY_FONT_CACHE") or Path(tempfile.gettempdir()) / "ggzy-fonts")


@lru_cache(maxsize=1)
def cjk_font() -> tuple[Path, int]:
    """The CJK collection on this machine and the index of its Simplified Chinese face."""
    from fontTools.ttLib import TTCollection

    override = os.environ.get("GGZY_CJK_FONT")
    if override:
        return Path(override), 0
    for path in FONT_COLLECTIONS:
        if path.exists():
            collection = TTCollection(str(path), lazy=True)
            for index, font in enumerate(collection.fonts):
                if font["name"].getDebugName(1) in SC_FAMILIES:
                    return path, index
    raise ConfigError("找不到中文字体：请安装 fonts-noto-cjk（Debian）或以 GGZY_CJK_FONT 指定一个 OTF/TTF 字体文件。")


@lru_cache(maxsize=1)
def cjk_font_file() -> Path:
    """A single-face OTF/TTF with Simplified Chinese glyphs, split from the collection and cached."""
    path, index = cjk_font()
    if path.suffix.lower() != ".ttc":
        return path
    target = _cache_dir() / f"{path.stem}-{index}.otf"
    if target.exists() and target.stat().st_size > 0:
        return target
    from fontTools.ttLib import TTCollection

    target.parent.mkdir(parents=True, exist_ok=True)
    # Write under a private name, then rename: concurrent workers never read a half-written font.
    fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".part")
    os.close(fd)
    try:
        TTCollection(str(path)).fonts[index].save(tmp)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target


def seal_png(name: str, *, center_text: str = "电子签章", size: int = 360) -> bytes:
    """A red round seal as a transparent PNG: the holder's name around the rim, a star, a label below it."""
    from PIL import Image, ImageDraw, ImageFont

    path, index = cjk_font()
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    mid, ring = size / 2, size * 0.035
    draw.ellipse((ring, ring, size - ring, size - ring), outline=SEAL_RED, width=max(3, int(ring)))
    _star(draw, mid, mid, size * 0.15)
    label = ImageFont.truetype(str(path), int(size * 0.08), index=index)
    draw.text((mid, mid + size * 0.24), center_text, font=label, fill=SEAL_RED, anchor="mm")
    _rim_text(image, name, size=size, font=ImageFont.truetype(str(path), int(size * 0.1), index=index))
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _star(draw, cx: float, cy: float, radius: float) -> None:
    points = []
    for i in range(10):
        r = radius if i % 2 == 0 else radius * 0.382
        angle = -math.pi / 2 + i * math.pi / 5
        points.append((cx + r * math.cos(angle), cy + r * math.sin(angle)))
    draw.polygon(points, fill=SEAL_RED)


def _rim_text(image, text: str, *, size: int, font) -> None:
    """Characters along the upper arc, each rotated to face the centre, as on a paper company seal."""
    from PIL import Image, ImageDraw

    chars = list(text)[:24] or ["印"]
    span = min(250.0, 18.0 * len(chars))  # degrees of arc the name occupies
    radius = size * 0.36
    box = int(size * 0.14)
    for i, ch in enumerate(chars):
        angle = -span / 2 + (span * (i + 0.5) / len(chars)) if len(chars) > 1 else 0.0
        tile = Image.new("RGBA", (box, box), (0, 0, 0, 0))
        ImageDraw.Draw(tile).text((box / 2, box / 2), ch, font=font, fill=SEAL_RED, anchor="mm")
        tile = tile.rotate(-angle, resample=Image.BICUBIC, expand=False)
        rad = math.radians(angle - 90)
        x = size / 2 + radius * math.cos(rad) - box / 2
        y = size / 2 + radius * math.sin(rad) - box / 2
        image.alpha_composite(tile, (int(x), int(y)))
