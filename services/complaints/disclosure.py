"""What the complaints service tells the public and regulators: a merchant's public figures and
summaries, what a complaint would be published as, statistics of a region and period, and the
hot spots of a jurisdiction. Figures are read from counters (``figures``), never counted."""
from datetime import date

from plumbing.clock import china_day, china_day_range, to_rfc3339
from plumbing.documents import visible
from plumbing.errors import invalid
from plumbing.keys import region_prefix
from plumbing.pagination import KeyRange
from services.complaints import analytics, figures, listing, open_data


class Disclosure:
    def __init__(self, store, clock):
        self.store, self.clock = store, clock

    def preview(self, title, description):
        """What a complaint with this title and description would be published as, if its
        consumer consents: exactly what ``public`` shows of it."""
        return analytics.published_text(title[:100], description[:2000])

    def public(self, merchant_id, with_summaries=True):
        """The unit's public figures and, unless ``with_summaries`` is false (the store page
        shows only the figures), its latest published summaries."""
        today = figures.utc_day(to_rfc3339(self.clock.now()))
        sums = self.store.counter_sums(figures.disclosure_ranges(merchant_id, today))
        disclosure = {"merchant_id": merchant_id, **figures.public_figures(sums, today)}
        if with_summaries:
            summaries = self.store.public_summaries(
                merchant_id, figures.disclosure_window_start(today), analytics.SUMMARY_LIMIT)
            disclosure["summaries"] = [analytics.public_summary(c) for c in summaries]
        return disclosure

    def statistics(self, region, within, query):
        """The figures of ``region`` (``within``: its region-code prefix, the actor's to ask
        for) from ``query``'s ``from_`` to its ``to`` (ISO dates, each optional)."""
        first, last = (date.fromisoformat(query[name]) if query.get(name) else None
                       for name in ("from_", "to"))
        sums = self.store.counter_sums(figures.regulator_ranges(within, first, last))
        return {"region": region, "from": query.get("from_"), "to": query.get("to"),
                **figures.regulator_statistics(sums)}

    def hotspots(self, within, query):
        """A page of the hot spots under the region-code prefix ``within``, newest first."""
        field, first = region_prefix("k_region", within)
        spots, next_cursor = self.store.hotspot_page(KeyRange(field, first),
                                                     query.get("cursor"), query.get("limit", 20))
        return {"items": [visible(spot) for spot in spots], "next_cursor": next_cursor}

    def open_data(self, region, day, cursor, limit):
        """A page of the open-data rows of ``region``'s complaints closed on the China day
        ``day`` (an ISO date), earliest first; 422 for a day that has not begun in China."""
        if day > china_day(to_rfc3339(self.clock.now())):
            raise invalid({"day": ["a day that has not begun in China Standard Time"]})
        closed = listing.closed_range(region, *china_day_range(day))
        complaints, next_cursor = self.store.closed_page(closed, cursor, limit, open_data.READS)
        return {"rows": [open_data.row_of(c) for c in complaints], "next_cursor": next_cursor}
