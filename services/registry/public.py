"""What the public and the other services read and do: the store page and its scans, search
(by filters, by word, by nearness), the red and black lists, consumers' ratings, and a unit's
standing."""
from plumbing.errors import conflict, not_found
from services.registry import certification, domain, listing, metrics, search, store_page
from services.registry.events import envelopes


class Public:
    def __init__(self, store, clock, merchants, links):
        """``merchants``: the Merchants over the same store; ``links``: where a store page's
        buttons lead (StoreLinks)."""
        self.store, self.clock, self.merchants, self.links = store, clock, merchants, links

    def rate(self, consumer, merchant_id, score, comment):
        """A consumer's rating of a certified unit, at most one every 30 days: the unit's
        rating after it."""
        merchant = self.merchants.get(merchant_id)
        if merchant["status"] not in certification.PUBLIC_STATUSES:
            raise conflict("WRONG_STATE", "only certified units are rated")
        now = self.merchants.now()
        last = self.store.last_rating(merchant_id, consumer)
        previous_at = last["at"] if last else None
        if not domain.rating_allowed(previous_at, now) or not self.store.record_rating(
                merchant_id, consumer, previous_at,
                {"score": score, "comment": comment, "at": now}):
            raise conflict("ALREADY_RATED", "one rating per unit every 30 days")
        # merchant_rated travels in the count's own write (the gateways drop the unit's page)
        saved = self.store.add_rating(merchant_id, score, envelopes(
            [("merchant_rated", {"merchant_id": merchant_id, "score": score})], self.clock))
        return {"merchant_id": merchant_id, **store_page.rating_of(saved["rating"])}

    def search(self, query):
        filters, cursor, limit = dict(query), query.get("cursor"), query.get("limit", 20)
        if filters.get("near"):
            lng, lat = (float(part) for part in filters["near"].split(","))
            units, next_cursor = self.store.nearest(lng, lat, filters["radius_m"], cursor, limit,
                                                    search.acceptance(filters, set()))
        elif filters.get("q"):
            units, next_cursor = self.store.search_by_word(search.query_words(filters["q"]),
                                                           filters, cursor, limit)
        else:
            key_range, accept = search.key_range(filters)
            units, next_cursor = self.store.page([key_range], accept, cursor, limit,
                                                 descending=False)
        return {"items": [search.listing(u) for u in units], "next_cursor": next_cursor}

    def listed(self, kind, cursor, limit):
        """A page of the red or black list."""
        units, next_cursor = self.store.page([listing.public_list_range(kind)], None, cursor,
                                             limit, descending=False)
        return {"items": [search.listing(u) for u in units], "next_cursor": next_cursor}

    def store_exists(self, store_code):
        return self.store.by_store_code(store_code) is not None

    def page_of_store(self, store_code):
        merchant = self.store.by_store_code(store_code)
        if merchant is None:
            raise not_found("STORE_NOT_FOUND", "no store with this code")
        return store_page.page_of(merchant, today=self.clock.now().date(), links=self.links)

    def record_scans(self, counts):
        """Adds ``{merchant_id: scans}`` (decoded) as served by a gateway."""
        self.store.count_scans(counts)
        metrics.STORE_PAGE_SCANS.inc(sum(counts.values()))
        return {"recorded": len(counts)}

    def standing(self, merchant_id):
        return certification.standing(self.store.get_merchant(merchant_id))

    def standing_by_store_code(self, store_code):
        return certification.standing(self.store.by_store_code(store_code))
