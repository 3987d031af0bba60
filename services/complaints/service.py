"""Complaints service: the container and its plumbing; its capability arrives with issue 4."""
from plumbing.clock import ClockProvider
from plumbing.mongo import BaseStore, Mongo
from plumbing.service import FangxinService


class ComplaintsStore(BaseStore):
    pass


class ComplaintsService(FangxinService):
    name = "complaints"

    store = Mongo(ComplaintsStore)
    clock = ClockProvider()
