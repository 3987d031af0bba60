"""The registry's standing RPCs as the other services call them, over a list of standings."""


class FakeRegistry:
    """The registry's ``standing`` and ``standing_by_store_code`` RPCs over a list of
    standings (each with its ``store_code``)."""

    def __init__(self, standings=()):
        self.standings = {s["merchant_id"]: s for s in standings}
        self.asked = []

    def standing(self, merchant_id):
        self.asked.append(merchant_id)
        if merchant_id not in self.standings:
            return {"merchant_id": merchant_id, "known": False}
        return {**self.standings[merchant_id], "known": True}

    def standing_by_store_code(self, store_code):
        self.asked.append(store_code)
        for standing in self.standings.values():
            if standing.get("store_code") == store_code:
                return {**standing, "known": True}
        return {"known": False}
