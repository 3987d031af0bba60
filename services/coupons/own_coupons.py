"""A consumer's own coupons."""
from plumbing.errors import not_found
from services.coupons import rules


def own_coupon(store, consumer, coupon_id):
    """One of the consumer's own coupons (404 for anyone else's: nobody learns it exists)."""
    coupon = store.coupon(coupon_id) if isinstance(coupon_id, str) else None
    if coupon is None or coupon.get("consumer") != consumer or not coupon.get("code"):
        raise not_found("COUPON_NOT_FOUND", "no such coupon of yours")
    return rules.coupon_view(coupon)


def own_coupons(store, consumer, cursor, limit):
    """A page of the consumer's coupons, newest first."""
    coupons, next_cursor = store.coupons_of(consumer, cursor, limit)
    return {"items": [rules.coupon_view(c) for c in coupons], "next_cursor": next_cursor}
