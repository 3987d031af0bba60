"""Who is acting: the token's claims as they travel from the gateway to the services."""
from dataclasses import asdict, dataclass

from plumbing.errors import forbidden

ROLES = ("consumer", "merchant", "regulator", "operator", "system")
LEVELS = ("station", "county", "city", "province")


@dataclass(frozen=True)
class Actor:
    sub: str
    role: str
    merchant_id: str | None = None
    region: str | None = None
    level: str | None = None
    tags: tuple[str, ...] = ()  # groups the identity provider vouches for (consumers)

    @classmethod
    def from_dict(cls, data):
        return cls(**{k: data.get(k) for k in ("sub", "role", "merchant_id", "region", "level")},
                   tags=tuple(data.get("tags") or ()))

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


def jurisdiction_prefix(region):
    """The region-code prefix a jurisdiction covers: trailing ``00`` pairs are wildcards."""
    prefix = region
    while prefix.endswith("00"):
        prefix = prefix[:-2]
    return prefix


def level_above(region):
    """The jurisdiction one level above ``region`` (a county's city, a city's province), or
    None for a province: ``330106`` → ``330100`` → ``330000`` → None."""
    prefix = jurisdiction_prefix(region)
    if len(prefix) <= 2:
        return None
    return (prefix[:-2] + "00").ljust(6, "0")


def covers(jurisdiction, region):
    """``330100`` covers ``3301xx``. A jurisdiction is a province, a city or a county: a code
    without its province (``000000``) covers nothing."""
    if not jurisdiction or not region:
        return False
    prefix = jurisdiction_prefix(jurisdiction)
    return bool(prefix) and region.startswith(prefix)


def jurisdiction_of(actor, region=None):
    """The region-code prefix of ``region`` (default: the actor's whole jurisdiction); 403
    ``OUT_OF_JURISDICTION`` when the region is not the actor's."""
    region = region or actor.region
    if not actor.has_jurisdiction_over(region):
        raise forbidden("OUT_OF_JURISDICTION", "that region is outside your jurisdiction")
    return jurisdiction_prefix(region)
