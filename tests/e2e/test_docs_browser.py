"""/docs in a real headless browser: Swagger UI, from the gateway's own assets (no CDN), reads
/openapi.json and renders its operations."""
import re

from tests.browser import dump_dom


def test_docs_render_the_api_document_in_a_browser(client):
    dom = dump_dom(client.url("/docs"), window=(1280, 2000), timeout=90, settle_ms=15000)
    # the page itself names no route: these come from /openapi.json, rendered by Swagger UI
    assert "/api/v1/campaigns/{campaign_id}/claims" in dom
    assert "/api/v1/public/stores/{code}" in dom
    assert not re.search(r'<(script|link)[^>]+(src|href)="https?://', dom), "a remote asset"
