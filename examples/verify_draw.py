"""Recomputes the winners of one of a Fangxin ballot's draws from what the campaign published,
with Python's standard library alone: anyone can check a draw without Fangxin's code.

    python verify_draw.py SEED_HEX COMMITMENT COUPONS signups.csv [GROUP=SLOTS ...]

The arguments are one draw's, as ``GET /api/v1/public/campaigns/{id}/ballot`` lists it in
``draws``: its ``seed``, ``commitment``, ``coupons`` and ``slots``; a ballot in tranches has one
draw per tranche, each checked on its own. ``signups.csv`` (``…/ballot/signups.csv?draw=K``,
without its header line) has one sign-up per line, in the published order:
``signup_id,weight,group`` (the group empty for none). Prints each winner as
``signup_id,group`` (the group whose quota it won, or empty for the open draw), sorted by
sign-up id, after checking the seed against the commitment published from the campaign's
creation.

The procedure (services/coupons/ballot.py states it too): a sign-up's key is the largest of its
``weight`` tickets, ticket ``i`` being HMAC-SHA256(key=seed, message="<signup_id>:<i>") read
as a big-endian integer; each group's slots go to its members with the largest keys; the
coupons left go to the largest keys of everyone else; of equal keys the larger id wins.
"""
import csv
import hashlib
import hmac
import sys


def ticket_key(seed, signup_id, weight):
    return max(int.from_bytes(hmac.new(seed, f"{signup_id}:{i}".encode(), hashlib.sha256)
                              .digest(), "big") for i in range(weight))


def winners(seed, signups, coupons, quotas):
    ranked = sorted(((ticket_key(seed, s, w), s, g) for s, w, g in signups), reverse=True)
    won, filled = {}, dict.fromkeys(quotas, 0)
    for _, signup_id, group in ranked:
        if group in quotas and filled[group] < quotas[group]:
            won[signup_id] = group
            filled[group] += 1
    left = coupons - len(won)
    for _, signup_id, _ in ranked:
        if left <= 0:
            break
        if signup_id not in won:
            won[signup_id] = None
            left -= 1
    return won


def main(seed_hex, commitment, coupons, path, *quota_args):
    seed = bytes.fromhex(seed_hex)
    if hashlib.sha256(seed).hexdigest() != commitment:
        sys.exit("the seed does not match the commitment")
    quotas = {group: int(slots) for group, slots in (q.split("=", 1) for q in quota_args)}
    with open(path, newline="", encoding="utf-8") as signups_file:
        signups = [(row[0], int(row[1]), row[2] or None) for row in csv.reader(signups_file)]
    for signup_id, group in sorted(winners(seed, signups, int(coupons), quotas).items()):
        print(f"{signup_id},{group or ''}")


if __name__ == "__main__":
    main(*sys.argv[1:])
