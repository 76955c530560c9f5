"""How often a recommender's reasons are the same for every offer of a customer.

    OMP_WAIT_POLICY=PASSIVE python benchmarks/recommend_reasons.py

Trains the network recommender on make_bank_customers(3000, 12) (5 epochs), explains the
top 7 offers of 400 customers of the latest month with 3 reasons each, and prints the share
of customers whose offers all got the same three reasons, and the same top reason.
"""

from __future__ import annotations

import time
import warnings

from findeep.recommend import NextProductRecommender
from findeep.recommend.metrics import top_k
from findeep.recommend.reasons import recommendation_reasons
from findeep.testing import make_bank_customers


def main() -> None:
    warnings.simplefilter("ignore")
    bank = make_bank_customers(3000, 12, seed=0)
    model = NextProductRecommender(max_epochs=5, random_state=0).fit(bank.customers,
                                                                     bank.holdings)
    latest = bank.customers[bank.customers["month"] == bank.months[-1]].head(400)
    design, _ = model.design(latest, bank.holdings)
    chosen = top_k(model.scores(design), design.eligible, 7)
    started = time.perf_counter()
    reasons = recommendation_reasons(model, design, chosen, n_reasons=3)
    seconds = time.perf_counter() - started
    same_all = same_top = 0
    for row in reasons:
        sets = [tuple(r["feature"] for r in offer) for offer in row if offer]
        same_all += len(set(sets)) == 1
        same_top += len({s[0] for s in sets if s}) == 1
    print(f"{len(reasons)} customers, 7 offers, 3 reasons each ({seconds:.1f} s): identical "
          f"reasons for every offer {same_all / len(reasons):.1%}; same top reason "
          f"{same_top / len(reasons):.1%}")


if __name__ == "__main__":
    main()
