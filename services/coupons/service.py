"""Coupons service: the container and its plumbing; its capability arrives with issue 5."""
from plumbing.clock import ClockProvider
from plumbing.mongo import BaseStore, Mongo
from plumbing.service import FangxinService


class CouponsStore(BaseStore):
    pass


class CouponsService(FangxinService):
    name = "coupons"

    store = Mongo(CouponsStore)
    clock = ClockProvider()
