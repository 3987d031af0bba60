import xml.etree.ElementTree as ElementTree

import pytest

from gateway import qr
from tests.qr_reader import qr_texts

SVG_NS = "{http://www.w3.org/2000/svg}"


@pytest.mark.parametrize("base, code, url", [
    ("http://127.0.0.1:8000", "Qm7xK2pLr9", "http://127.0.0.1:8000/s/Qm7xK2pLr9"),
    ("https://fangxin.example.cn/", "a-b_C", "https://fangxin.example.cn/s/a-b_C"),
])
def test_the_store_url_is_the_public_base_and_the_code(base, code, url):
    assert qr.store_url(base, code) == url


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:8000/s/Qm7xK2pLr9",
    "https://fangxin.hangzhou.gov.cn/s/" + "x" * 43,
])
def test_a_real_decoder_reads_the_png_back_to_exactly_the_url(url):
    image = qr.png(url)
    assert image.startswith(b"\x89PNG\r\n\x1a\n")
    assert qr_texts(image) == [url]


def test_the_svg_is_svg_xml_naming_the_url():
    url = "http://127.0.0.1:8000/s/Qm7xK2pLr9?a=1&b=<2>"
    root = ElementTree.fromstring(qr.svg(url))
    assert root.tag == f"{SVG_NS}svg"
    assert int(root.get("width")) == int(root.get("height")) > 0
    assert root.find(f"{SVG_NS}title").text == url
    assert root.find(f"{SVG_NS}path") is not None
