"""Saving the benchmarks' pictures the same way: a title, a tight layout, one PNG at 100 dpi."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt


def finish(fig: plt.Figure, title: str, out: Path) -> None:
    """Title ``fig``, write it to ``out`` (folders made as needed) and close it."""
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=100)
    plt.close(fig)
