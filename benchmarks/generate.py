"""Synthetic registers of GSOMIA-like contracts (bulk CSV), seeded so every run measures the same data."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

HEADER = "id,rules,entry_into_force,notice_party,notice_received,notice_suspended,notice_withdrawn\n"
START = dt.date(1990, 1, 1).toordinal()


def rows(n: int, seed: int = 2019) -> list[tuple[str, str, str, str, str, str]]:
    """``n`` agreements: entry into force 1990-2022; 30% with a notice (20% of those suspended, 10%
    withdrawn), received near or far from a deadline."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        eif = dt.date.fromordinal(START + rng.randint(0, 12000))
        party = received = suspended = withdrawn = ""
        if rng.random() < 0.3:
            r = dt.date.fromordinal(eif.toordinal() + rng.randint(0, 5000))
            party, received = rng.choice(["JPN", "KOR"]), r.isoformat()
            u = rng.random()
            if u < 0.2:
                suspended = dt.date.fromordinal(r.toordinal() + rng.randint(0, 20)).isoformat()
            elif u < 0.3:
                withdrawn = dt.date.fromordinal(r.toordinal() + rng.randint(0, 20)).isoformat()
        out.append((f"c{i:06d}", eif.isoformat(), party, received, suspended, withdrawn))
    return out


def write(path: Path, n: int, seed: int = 2019) -> Path:
    """A bulk register of ``n`` agreements under the bundled GSOMIA rules (``rules: gsomia``)."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(HEADER)
        fh.writelines(f"{i},gsomia,{e},{p},{r},{s},{w}\n" for i, e, p, r, s, w in rows(n, seed))
    return path
