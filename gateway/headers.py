"""Headers the gateway adds to every answer: its language, CORS, and on public pages the
validators that let browsers and proxies reuse what they have (ETag → 304)."""


def finish(request, response, settings, locale, public):
    response.headers["Content-Language"] = locale
    response.vary.add("Accept-Language")
    settings.cors.decorate(request.headers, response)
    if public:
        revalidate(request, response, settings.public_cache_seconds)
    return response


def revalidate(request, response, max_age):
    """A successful GET gets ``Cache-Control: public, max-age`` and an ETag that is a hash of
    the body, so it holds whatever cache produced the body; a matching ``If-None-Match`` turns
    the answer into an empty 304."""
    if request.method not in ("GET", "HEAD") or response.status_code != 200:
        return
    response.cache_control.public = True
    response.cache_control.max_age = max_age
    response.add_etag()
    response.make_conditional(request)
