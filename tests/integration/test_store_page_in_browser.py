"""The store page and its QR code as a real browser sees them (headless Chromium), without the
registry: the page is rendered from a page_of() dict into a file."""
from datetime import date

import pytest
from PIL import Image

from contracts.store_page_display import StoreLinks
from gateway import qr
from gateway.store_page_html import render_store_page
from services.registry.store_page import page_of
from tests.browser import PHONE, dump_dom, screenshot
from tests.qr_reader import qr_texts

TODAY = date(2026, 11, 21)
# Were it not escaped, this name would run in the browser and mark the body.
HOSTILE_NAME = '<script>document.body.dataset.pwned="yes"</script><b id="injected">x</b>'


def unit(**overrides):
    record = {
        "_id": "m-7", "name": "湖滨放心小吃店", "unit_type": "store", "industry": "catering",
        "region": "330106", "address": "杭州市西湖区湖滨路 1 号", "location": None,
        "contact_phone": "13912345678",
        "licences": [{"kind": "business_licence", "number": "BL-7",
                      "valid_until": "2030-12-31"}],
        "commitments": {"no_reason_return_days": 7, "advance_compensation": True},
        "status": "certified", "pool": "star", "stars": 3, "store_code": "Qm7xK2pLr9",
        "rating": {"count": 2, "total": 9}, "scan_count": 0, "red_listed": False,
        "black_listed": False, "updated_at": "2026-11-20T08:00:00Z",
    }
    record.update(overrides)
    return record


def load(tmp_path, merchant, complaints=None, coupons=None):
    page = page_of(merchant, complaints, coupons, today=TODAY, links=StoreLinks())
    path = tmp_path / "store.html"
    path.write_text(render_store_page(page), encoding="utf-8")
    return path.as_uri()


def test_a_certified_unit_in_the_browser(tmp_path):
    dom = dump_dom(load(tmp_path, unit()))
    assert 'lang="zh-CN"' in dom
    assert "湖滨放心小吃店" in dom and "放心消费单位" in dom
    assert 'href="tel:12315"' in dom
    assert 'href="/m/complaints/new?store_code=Qm7xK2pLr9"' in dom and "我要投诉" in dom
    assert "线下购物7天无理由退货" in dom and "先行赔付" in dom
    assert "13912345678" not in dom
    assert 'id="notice"' not in dom and 'id="complaints"' not in dom


def test_a_suspended_unit_in_the_browser_says_so(tmp_path):
    dom = dump_dom(load(tmp_path, unit(status="suspended"),
                        complaints={"total": 5, "resolved": 4, "resolution_rate": 0.8}))
    assert 'data-status="suspended"' in dom and "已暂停" in dom
    assert 'role="alert"' in dom and "资格已暂停" in dom
    assert 'id="complaints"' in dom and "80%" in dom


def test_a_hostile_name_is_text_not_markup_in_the_browser(tmp_path):
    dom = dump_dom(load(tmp_path, unit(name=HOSTILE_NAME)))
    assert "data-pwned" not in dom
    assert '<b id="injected">' not in dom
    assert "&lt;script&gt;" in dom


def test_the_page_fits_a_phone_screen(tmp_path):
    shot = screenshot(load(tmp_path, unit()), tmp_path / "phone.png")
    with Image.open(shot) as image:
        assert image.size == PHONE


@pytest.mark.parametrize("kind", ["svg", "png"])
def test_the_qr_code_as_the_browser_draws_it_scans_back_to_the_store_url(tmp_path, kind):
    url = qr.store_url("http://127.0.0.1:8000", "Qm7xK2pLr9")
    image = tmp_path / f"qr.{kind}"
    image.write_bytes(qr.svg(url) if kind == "svg" else qr.png(url))
    shot = screenshot(image.as_uri(), tmp_path / "shot.png", window=(500, 500))
    assert qr_texts(shot) == [url]
