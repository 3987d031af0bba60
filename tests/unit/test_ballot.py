"""The ballot's draw (services/coupons/ballot.py): deterministic from the published seed and
sign-ups, the quotas first, and recomputed alike by the standalone script anyone can run
(examples/verify_draw.py)."""
import hashlib
import random
import subprocess
import sys

from devtools.stack import ROOT
from services.coupons import ballot

SEED = bytes.fromhex("5f" * 32)


def signups(n, groups=("elderly", "medics"), seed=7):
    chance = random.Random(seed)
    return [(f"s-{i:05d}", chance.choice((1, 1, 1, 2, 3)),
             chance.choice((None, None, None, *groups))) for i in range(n)]


def test_the_commitment_is_the_seeds_sha256():
    assert ballot.commitment(SEED) == hashlib.sha256(SEED).hexdigest()


def test_the_draw_depends_on_the_seed_and_nothing_else():
    entries = signups(300)
    first = ballot.draw(SEED, entries, 40)
    assert len(first) == 40 and set(first.values()) == {None}
    assert ballot.draw(SEED, iter(entries), 40) == first  # read once, as a stream
    assert ballot.draw(bytes.fromhex("60" * 32), entries, 40) != first


def test_a_groups_quota_goes_to_its_members_first_and_the_rest_join_the_open_draw():
    entries = signups(400)
    won = ballot.draw(SEED, entries, 50, [ballot.Quota("elderly", 10), ballot.Quota("medics", 5)])
    by_id = {signup_id: group for signup_id, _, group in entries}
    assert len(won) == 50
    assert sum(1 for g in won.values() if g == "elderly") == 10
    assert all(by_id[s] == g for s, g in won.items() if g is not None)
    # the group's winners hold its largest keys; a member who lost the quota may still win
    # the open draw
    keys = {s: ballot.key_of(SEED, s, w) for s, w, _ in entries}
    elderly = sorted((s for s, _, g in entries if g == "elderly"), key=keys.get, reverse=True)
    assert {s for s, g in won.items() if g == "elderly"} == set(elderly[:10])


def test_an_unfilled_quota_leaves_its_coupons_to_the_open_draw_and_few_sign_ups_all_win():
    entries = [("a", 1, "medics"), ("b", 1, None), ("c", 2, None)]
    assert ballot.draw(SEED, entries, 10, [ballot.Quota("medics", 5)]) == {
        "a": "medics", "b": None, "c": None}
    assert len(ballot.draw(SEED, signups(30), 20, [ballot.Quota("nobody", 15)])) == 20


def test_more_weight_never_lowers_a_key():
    assert all(ballot.key_of(SEED, s, 3) >= ballot.key_of(SEED, s, 1)
               for s, _, _ in signups(50))


def test_the_standalone_script_recomputes_the_same_winners(tmp_path):
    entries = signups(500)
    quotas = [ballot.Quota("elderly", 12), ballot.Quota("medics", 4)]
    published = tmp_path / "signups.csv"
    published.write_text("".join(f"{s},{w},{g or ''}\n" for s, w, g in entries))
    run = subprocess.run(
        [sys.executable, str(ROOT / "examples/verify_draw.py"), SEED.hex(),
         ballot.commitment(SEED), "60", str(published), "elderly=12", "medics=4"],
        capture_output=True, text=True, check=True)
    recomputed = dict(line.split(",") for line in run.stdout.splitlines())
    assert recomputed == {s: g or "" for s, g in ballot.draw(SEED, entries, 60, quotas).items()}
    wrong = subprocess.run([sys.executable, str(ROOT / "examples/verify_draw.py"), SEED.hex(),
                            "0" * 64, "60", str(published)], capture_output=True, text=True)
    assert wrong.returncode != 0 and "does not match" in wrong.stderr
