"""Who is acting: the token's claims as they travel from the gateway to the services."""
from dataclasses import asdict, dataclass

ROLES = ("consumer", "merchant", "regulator", "operator", "system")
LEVELS = ("station", "county", "city", "province")


@dataclass(frozen=True)
class Actor:
    sub: str
    role: str
    merchant_id: str = None
    region: str = None
    level: str = None

    @classmethod
    def from_dict(cls, data):
        return cls(**{k: data.get(k) for k in ("sub", "role", "merchant_id", "region", "level")})

    def to_dict(self):
        return asdict(self)

    @property
    def recipient(self):
        """The inbox this actor reads: a merchant's is shared by all its accounts."""
        if self.role == "merchant" and self.merchant_id:
            return f"merchant:{self.merchant_id}"
        return f"user:{self.sub}"

    def has_jurisdiction_over(self, region):
        return self.role == "regulator" and covers(self.region, region)


def covers(jurisdiction, region):
    """``330100`` covers ``3301xx``: trailing ``00`` pairs of a jurisdiction are wildcards."""
    if not jurisdiction or not region:
        return False
    prefix = jurisdiction
    while prefix.endswith("00") and prefix:
        prefix = prefix[:-2]
    return region.startswith(prefix)
