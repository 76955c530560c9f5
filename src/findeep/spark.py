"""findeep where the data already lives: Apache Spark (``pip install findeep[spark]``).

- ``score_dataframe``: batch scoring as a pandas UDF (``mapInPandas``). Each Python worker
  loads and verifies the bundle once (cached per process, by path and checksum file) and
  then scores every Arrow batch Spark hands it with the same ``predict`` code as
  ``findeep predict``, so the scores are identical.
- ``train_with_spark``: training launched by Spark's ``TorchDistributor``, which starts
  ``torchrun`` with ``num_processes`` ranks (in ``local_mode`` on the driver, otherwise in
  barrier tasks on the executors) running ``findeep train`` — the same streamed,
  DistributedDataParallel path as ``--nproc-per-node``. The function is given to Spark as a
  file path and arguments, so nothing is pickled.

Why Spark and not Ray: banks keep these tables in Spark (Hive/Delta/Iceberg tables on a
Spark cluster, Databricks, EMR, Dataproc); Spark's ``TorchDistributor`` runs PyTorch's own
torchrun, so training here is the same code as on one machine. See docs/scale.md.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from findeep.errors import ConfigError, FindeepError

SPARK_EXTRA = "findeep[spark]"


def require_pyspark() -> Any:
    """pyspark, or one clear error naming the extra to install."""
    try:
        import pyspark
    except ImportError:
        raise ConfigError(f"Spark support needs pyspark and a Java runtime: pip install "
                          f"'{SPARK_EXTRA}' (and a JDK 17+, e.g. apt-get install "
                          "default-jre-headless).") from None
    return pyspark


def spark_session(master: str = "local[*]", app_name: str = "findeep") -> Any:
    """A Spark session (the running one if there is one): ``local[N]`` runs in this process."""
    require_pyspark()
    from pyspark.sql import SparkSession

    try:
        return (SparkSession.builder.master(master).appName(app_name)
                .config("spark.sql.execution.arrow.pyspark.enabled", "true")
                .config("spark.ui.enabled", "false").getOrCreate())
    except Exception as exc:  # a missing Java runtime surfaces as a py4j/Runtime error
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise FindeepError(f"cannot start Spark ({first}); is a Java runtime (17+) "
                           "installed?") from None


@functools.lru_cache(maxsize=4)
def _pipeline(bundle: str, checksums_mtime: float) -> Any:
    """The bundle's pipeline, loaded once per Python worker (and again if it is replaced)."""
    from findeep.loading import load

    return load(bundle).pipeline_


def output_schema(bundle: str | os.PathLike[str], id_type: str | None = None,
                  id_column: str | None = None) -> str:
    """The scores' Spark schema (DDL), the same columns as ``findeep predict`` writes."""
    from findeep.bundle import read_bundle

    meta, _ = read_bundle(bundle)
    target = meta["target"]
    fields = [f"`{id_column}` {id_type}"] if id_column else []
    if meta["task"] == "binary":
        fields += [f"`probability_{target['event_class']}` float", "`predicted` string"]
    elif meta["task"] == "multiclass":
        fields += [f"`probability_{c}` float" for c in target["classes"]]
        fields += ["`predicted` string"]
    else:
        fields += ["`prediction` float"]
    return ", ".join(fields)


def score_dataframe(frame: Any, bundle: str | os.PathLike[str], *,
                    id_column: str | None = None, threshold: float = 0.5) -> Any:
    """A Spark DataFrame of scores, one row per row of ``frame`` (lazy, like any Spark job)."""
    from findeep.pipeline import score_table

    bundle = str(Path(bundle).resolve())
    mtime = (Path(bundle) / "checksums.json").stat().st_mtime
    if id_column is not None and id_column not in frame.columns:
        from findeep.errors import DataError, did_you_mean

        raise DataError(f"id column '{id_column}' is not in the data."
                        + did_you_mean(id_column, frame.columns))
    id_type = frame.schema[id_column].dataType.simpleString() if id_column else None
    schema = output_schema(bundle, id_type, id_column)

    def score(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        pipeline = _pipeline(bundle, mtime)
        for batch in batches:
            prediction, _ = pipeline.predict_raw(batch)
            scores = score_table(pipeline, batch, prediction, id_column, threshold)
            if "predicted" in scores:
                scores["predicted"] = scores["predicted"].astype(str)
            yield scores

    return frame.mapInPandas(score, schema=schema)


def is_spark_output(path: Path) -> bool:
    """A folder Spark wrote Parquet into: part files, its _SUCCESS marker, checksums."""
    return all(p.name.startswith(("part-", "_SUCCESS", ".part-", "._SUCCESS"))
               for p in path.iterdir())


def score_with_spark(bundle: str | os.PathLike[str], data: str | os.PathLike[str],
                     out: str | os.PathLike[str], *, id_column: str | None = None,
                     threshold: float = 0.5, master: str = "local[*]",
                     force: bool = False) -> dict[str, Any]:
    """Read Parquet with Spark, score it, write a Parquet directory (renamed into place)."""
    import shutil
    import tempfile

    from findeep.output_paths import refuse_folder_overwrite

    refuse_folder_overwrite(out, force=force, replaceable=is_spark_output,
                            what="a folder of Spark's Parquet output")
    spark = spark_session(master)
    frame = spark.read.parquet(str(data))
    scores = score_dataframe(frame, bundle, id_column=id_column, threshold=threshold)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent)) / "scores"
    try:
        scores.write.parquet(str(staging))
        rows = spark.read.parquet(str(staging)).count()
        if out.exists():
            shutil.rmtree(out) if out.is_dir() else out.unlink()
        os.replace(staging, out)
    finally:
        shutil.rmtree(staging.parent, ignore_errors=True)
    return {"rows": rows, "out": str(out)}


def train_with_spark(train_args: list[str], *, num_processes: int = 2, local_mode: bool = True,
                     use_gpu: bool = False, master: str = "local[*]") -> None:
    """``findeep train TRAIN_ARGS`` as ``num_processes`` ranks started by TorchDistributor."""
    require_pyspark()
    from pyspark.ml.torch.distributor import TorchDistributor

    import findeep

    spark_session(master)
    entry = str(Path(findeep.__file__).with_name("__main__.py"))
    try:
        TorchDistributor(num_processes=num_processes, local_mode=local_mode,
                         use_gpu=use_gpu).run(entry, "train", *train_args, "--stream",
                                              "--quiet")
    except FindeepError:
        raise
    except Exception as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise FindeepError(f"training under Spark's TorchDistributor failed: {first}") from None
