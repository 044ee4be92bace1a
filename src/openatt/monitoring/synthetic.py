"""A synthetic register N times the size of a real one, for measuring how the pipeline scales.

SIPRI's register is one register: there is no larger real one to measure growth on. So the
benchmark makes one from it, deterministically (a seeded generator), keeping what drives the
pipeline's cost realistic: the mix of recipients, categories and end users, and the number of
suppliers active in a year. Copy 0 of every transfer is the transfer itself, unchanged; each
further copy perturbs it within these bounds (``Perturbation`` holds them, as data):

- the delivery year moves by at most ``year_shift`` years either way, kept within the years
  the real register covers (a deal delivered in 1999 becomes one delivered in 1997-2001);
- the number delivered and the TIV are scaled by a factor drawn uniformly from
  ``scale_low`` to ``scale_high`` (the same factor for both, so TIV per item is kept);
- with probability ``supplier_swap`` the supplier becomes the supplier of another real
  transfer delivered in the copy's year (so only states that supplied arms that year supply
  it, in proportion to how often they did), never the recipient itself; a supplier the source
  does not name stays unnamed.

Everything else (recipient, end user, item, category, source row) is the original's: the copy
is still assessed as a real delivery would be. The copy's id is the original's with ``~N``.
Synthetic data measures speed only; no figure about states is drawn from it.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, replace

from openatt.monitoring.transfer import Transfer


@dataclass(frozen=True)
class Perturbation:
    """How far a synthetic copy may differ from the real transfer it was made from."""

    year_shift: int = 2
    scale_low: float = 0.5
    scale_high: float = 1.5
    supplier_swap: float = 0.25


def _scaled(value: float | None, factor: float) -> float | None:
    return None if value is None else round(value * factor, 3)


def synthetic_register(
    transfers: Sequence[Transfer],
    times: int,
    *,
    seed: int = 2026,
    bounds: Perturbation = Perturbation(),
) -> list[Transfer]:
    """``times`` copies of every transfer (copy 0 the real one), perturbed within ``bounds``;
    the same ``seed`` gives the same register."""
    if times < 1:
        raise ValueError(f"times: {times}; at least 1")
    rng = random.Random(seed)
    first = min((t.delivery_year for t in transfers), default=0)
    last = max((t.delivery_year for t in transfers), default=0)
    # the real transfers of each year whose supplier is a state: where swapped suppliers come from
    suppliers_by_year: dict[int, list[Transfer]] = {}
    for t in transfers:
        if t.supplier is not None and t.supplier.state:
            suppliers_by_year.setdefault(t.delivery_year, []).append(t)
    out = list(transfers)
    for copy in range(1, times):
        for t in transfers:
            shift = rng.randint(-bounds.year_shift, bounds.year_shift)
            year = min(last, max(first, t.delivery_year + shift))
            factor = rng.uniform(bounds.scale_low, bounds.scale_high)
            changes: dict[str, object] = {
                "id": f"{t.id}~{copy}",
                "delivery_year": year,
                "number_delivered": _scaled(t.number_delivered, factor),
                "tiv_delivered": _scaled(t.tiv_delivered, factor),
            }
            pool = suppliers_by_year.get(year, [])
            if (
                pool
                and t.supplier is not None
                and t.supplier.state
                and rng.random() < bounds.supplier_swap
            ):
                donor = rng.choice(pool)
                recipient_state = t.recipient.state if t.recipient else None
                if donor.supplier is not None and donor.supplier.state != recipient_state:
                    changes["supplier"] = donor.supplier
                    changes["supplier_name"] = donor.supplier_name
            out.append(replace(t, **changes))  # type: ignore[arg-type]
    return out
