"""Store QR codes (一店一码): the store page's address as SVG or PNG. Pure: bytes in memory."""
import io
from urllib.parse import quote

import segno

# M recovers from ~15% damage: enough for a printed sticker, still a small symbol
ERROR_LEVEL = "m"
BORDER = 4  # the quiet zone the QR standard asks for, in modules
SVG_SCALE = 10
PNG_SCALE = 10


def store_url(public_base_url, code):
    return f"{public_base_url.rstrip('/')}/s/{quote(code, safe='')}"


def _symbol(url):
    return segno.make(url, error=ERROR_LEVEL, micro=False)


def svg(url):
    out = io.BytesIO()
    _symbol(url).save(out, kind="svg", scale=SVG_SCALE, border=BORDER, title=url)
    return out.getvalue()


def png(url):
    out = io.BytesIO()
    _symbol(url).save(out, kind="png", scale=PNG_SCALE, border=BORDER)
    return out.getvalue()
