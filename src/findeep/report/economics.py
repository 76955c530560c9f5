"""The report's decision-economics section: expected loss by score band, the profit of
every cut-off and the best one, and EMP — ``decisions.decision_economics`` drawn."""

from __future__ import annotations

from typing import Any

import numpy as np

from findeep.report import figures
from findeep.report.document import Figure, Section, Table


def economics_section(economics: dict[str, Any]) -> Section:
    """A section from ``decision_economics``' result."""
    profit = economics["profit"]
    cutoff = profit["best_cutoff"]
    rule = ("approve everyone" if cutoff == float("inf") or cutoff > 1 else
            f"decline at or above {cutoff:.4f}")
    assumptions = economics["assumptions"]
    lines = [f"Assumptions: LGD `{assumptions['lgd']}`, exposure `{assumptions['exposure']}`, "
             f"margin `{assumptions['margin']}` on {economics['rows']:,} labelled rows.",
             f"Profit-maximising cut-off: **{rule}**, approving "
             f"{profit['best_approval_rate']:.1%}, profit {profit['best_profit']:,.2f} vs "
             f"{economics['approve_all_profit']:,.2f} approving everyone."]
    if economics.get("held_out_profit") is not None:
        lines.append(f"That profit is chosen and counted on the same rows, so it flatters the "
                     f"cut-off: chosen on 4/5 of them and applied to the other 1/5, in turn, "
                     f"it earns {economics['held_out_profit']:,.2f}.")
    elif "held_out_profit" in economics:
        lines.append("That profit is chosen and counted on the same rows, so it flatters the "
                     "cut-off; these rows hold too few defaulters or payers (under 5) to "
                     "measure by how much.")
    if "emp" in economics:
        emp = economics["emp"]
        lines.append(f"EMP {emp['emp']:.5f} per applicant (share of the loan; ROI {emp['roi']:g}, "
                     f"p0 {emp['p0']:g}, p1 {emp['p1']:g}), rejecting {emp['rejection_rate']:.1%} "
                     "on average (Verbraken et al. 2014).")
    curve = profit["curve"]
    rates = np.array([p["approval_rate"] for p in curve])
    values = np.array([p["profit"] for p in curve])
    section = Section("economics", "Decision economics", [" ".join(lines)])
    section.add(Table(["band", "score >=", "rows", "exposure", "expected loss", "loss rate"],
                      [[b["band"], f"{b['score_min']:.3f}", f"{b['rows']:,}",
                        f"{b['exposure']:,.2f}", f"{b['expected_loss']:,.2f}",
                        f"{b['expected_loss_rate']:.2%}"] for b in economics["expected_loss"]],
                      caption="Expected loss (PD x LGD x exposure) by score band, riskiest first"))
    section.add(Figure(
        "profit-curve", "Profit of every cut-off",
        "Total profit when applicants are approved from the lowest score up to each cut-off: "
        "approved payers earn margin x exposure, approved defaulters lose LGD x exposure.",
        figures.profit_curve_svg(rates, values, profit["best_approval_rate"],
                                 profit["best_profit"]),
        Table(["approved", "cut-off", "profit"],
              [[f"{p['approval_rate']:.0%}", p["cutoff"] if np.isfinite(p["cutoff"]) else "all",
                p["profit"]] for p in curve[:: max(1, len(curve) // 10)]])))
    return section
