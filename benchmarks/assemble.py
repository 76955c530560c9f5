"""Assemble BENCHMARKS.md from the measured sections in benchmarks/results/*.md.

    python benchmarks/assemble.py

Each section is written by the benchmark script named in it, with its exact command;
this script only concatenates them, it measures nothing.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ORDER = ("summary", "panel", "unseen", "walk_forward", "headroom", "demo_seeds", "ablations",
         "training", "compile", "explain", "serve", "forecast")
HEADER = """# findeep benchmarks

Every number below was measured on the project's 2-core machine by the command printed with
it; re-run that command to reproduce it. Accuracy comparisons use the same folds for every
model and report mean ± std over folds: on 1k–10k-row credit tables fold-to-fold AUC moves by
0.01–0.04, so differences smaller than the std are not wins. Timings were taken with
`OMP_WAIT_POLICY=PASSIVE` and nothing else running, unless the section says otherwise.

Two machines of the same size ran these: the panel, unseen-table, walk-forward, headroom,
demo-seed, ablation, training, compile, serving and explanation sections were (re-)measured
on a 2-core AMD EPYC VM (AVX2) after the k=4 default landed; the forecasting section was measured
earlier on a 2-core Intel Xeon VM (AVX-512), and its models did not change since. Compare
timings only within a section.
"""


def _as_section(text: str) -> str:
    """Sections start at level 2: a file written with a level-1 title is demoted one level."""
    if not text.startswith("# "):
        return text
    return "\n".join("#" + line if line.startswith("#") else line for line in text.splitlines())


def main() -> None:
    results = ROOT / "benchmarks" / "results"
    sections = {p.stem: _as_section(p.read_text().strip()) for p in sorted(results.glob("*.md"))}
    ordered = [sections.pop(name) for name in ORDER if name in sections]
    ordered += list(sections.values())
    (ROOT / "BENCHMARKS.md").write_text(HEADER + "\n" + "\n\n".join(ordered) + "\n")
    print(f"wrote BENCHMARKS.md from {len(ordered)} section(s)")


if __name__ == "__main__":
    main()
