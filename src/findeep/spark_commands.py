"""``findeep spark score|train``: findeep on Apache Spark (``pip install findeep[spark]``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from findeep.console import ForceOpt, friendly, out, warn_categories

spark_app = typer.Typer(
    name="spark", no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
    help="Score and train where the data lives: Apache Spark (needs findeep\\[spark] and Java).")

MasterOpt = Annotated[str, typer.Option(
    help="Spark master: local[N] runs in this process; or spark://host:7077, yarn, ...")]


@spark_app.command()
@friendly
def score(
    bundle: Annotated[Path, typer.Argument(
        metavar="BUNDLE", help="A bundle directory written by 'findeep train'.")],
    data: Annotated[str, typer.Argument(
        metavar="DATA", help="Parquet file or directory Spark can read.")],
    out_dir: Annotated[str, typer.Option(
        "--out", help="Parquet directory of scores to write: a path on this machine, or a "
                      "URI Spark writes (hdfs:///..., s3a://...) with a cluster master.")],
    id_column: Annotated[str | None, typer.Option(
        help="Copy this key column into the output: Spark does not keep the input's row "
             "order, so this is how scores are joined back to their rows.")] = None,
    threshold: Annotated[float | None, typer.Option(
        help="Binary models: an event probability at or above this is predicted as the event "
             "(0.5 if not given).")] = None,
    master: MasterOpt = "local[*]",
    force: ForceOpt = False,
) -> None:
    """Score DATA with Spark (mapInPandas; the bundle is loaded once per Python worker)."""
    from findeep.spark import quiet_py4j_interrupts, score_with_spark

    with quiet_py4j_interrupts():
        summary = score_with_spark(bundle, data, out_dir, id_column=id_column,
                                   threshold=threshold, master=master, force=force)
    out.print(f"scored {summary['rows']:,} rows with Spark -> {summary['out']}")
    warn_categories(summary)  # as findeep predict says it


@spark_app.command(context_settings={"allow_extra_args": True,
                                     "ignore_unknown_options": True})
@friendly
def train(
    ctx: typer.Context,
    num_processes: Annotated[int, typer.Option(
        help="Training processes (torchrun ranks) TorchDistributor starts.")] = 2,
    local_mode: Annotated[bool, typer.Option(
        "--local-mode/--cluster-mode",
        help="Run the ranks on the driver (local) or in barrier tasks on executors.")] = True,
    use_gpu: Annotated[bool, typer.Option("--use-gpu", help="One GPU per rank (NCCL).")] = False,
    master: MasterOpt = "local[*]",
) -> None:
    """Run 'findeep train ARGS' under Spark's TorchDistributor (streamed, DDP), e.g.
    findeep spark train --num-processes 2 -- data.parquet --target default --out model."""
    from findeep.spark import quiet_py4j_interrupts, train_with_spark

    with quiet_py4j_interrupts():
        report = train_with_spark(list(ctx.args), num_processes=num_processes,
                                  local_mode=local_mode, use_gpu=use_gpu, master=master)
    out.print(f"bundle written to {report['bundle']} by {num_processes} processes under "
              "TorchDistributor")
