"""findeep where the data already lives: Apache Spark (``pip install findeep[spark]``).

- ``score_dataframe``: batch scoring as a pandas UDF (``mapInPandas``). Each Python worker
  loads and verifies the bundle once (cached per process, by path and checksum file) and
  then scores every Arrow batch Spark hands it with the same preprocessing and network as
  ``findeep predict``, so the scores, their columns and their types are identical — also
  for timestamps, which Spark would otherwise hand over on the session's time zone.
  ``score_with_spark`` checks a local input the way the other commands do (every file's
  schema, the trained columns, the threshold) before Spark starts, and folds the workers'
  reports (unseen categories, unreadable numbers, ...) into one set of warnings at the end.
- ``train_with_spark``: training launched by Spark's ``TorchDistributor``, which starts
  ``torchrun`` with ``num_processes`` ranks (in ``local_mode`` on the driver, otherwise in
  barrier tasks on the executors) running ``findeep train`` — the same streamed,
  DistributedDataParallel path as ``--nproc-per-node``. The function is given to Spark as a
  file path and arguments, so nothing is pickled. What ``findeep train`` would refuse
  (target, ``--out``, the data) is refused before anything starts; success is judged by
  the bundle written, since TorchDistributor's torchrun wrapper exits 0 whatever the ranks
  did (pyspark 3.4-4.x).

Why Spark and not Ray: banks keep these tables in Spark (Hive/Delta/Iceberg tables on a
Spark cluster, Databricks, EMR, Dataproc); Spark's ``TorchDistributor`` runs PyTorch's own
torchrun, so training here is the same code as on one machine. See docs/scale.md.
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
import logging
import os
import re
import signal
import sys
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np
import pandas as pd

from findeep import errors
from findeep.data.schema import FindeepWarning
from findeep.errors import ConfigError, DataError, DataFileError, FindeepError, did_you_mean
from findeep.features.tabular import TransformReport

SPARK_EXTRA = "findeep[spark]"
# Spark writes rows in the order its tasks finish, not the input's: said whenever scores
# come back without a key to join them on
NO_ID_COLUMN = ("Spark writes the scores in its own row order, not the input's, and no "
                "id column was given: pass --id-column (id_column= from Python) naming a "
                "key of the data to join the scores back to their rows.")
_ID = "__findeep_id__"  # the id column's copy, carried through the UDF untouched


def require_pyspark() -> Any:
    """pyspark, or one clear error naming the extra to install."""
    try:
        import pyspark
    except ImportError:
        raise ConfigError(f"Spark support needs pyspark and a Java runtime: pip install "
                          f"'{SPARK_EXTRA}' (and a JDK 17+, e.g. apt-get install "
                          "default-jre-headless).") from None
    return pyspark


# PySpark 4 warns on every session that it "does not yet fully support pandas >= 3"; findeep's
# Spark scoring is checked against findeep predict under the pandas it installs
# (tests/test_spark.py), so the generic warning is not passed on to users
PANDAS_VERSION_WARNING = "PySpark does not yet fully support pandas"
QUIET_LOG_CONFIG = Path(__file__).with_name("spark_log4j2.properties")


def spark_session(master: str = "local[*]", app_name: str = "findeep") -> Any:
    """A Spark session (the running one if there is one): ``local[N]`` runs in this process.

    A session findeep starts logs only fatal messages unless Spark has a log configuration
    of its own (``spark_log_options``), and shows Spark's stage progress bars only on a
    terminal (in a log file they are carriage-return noise)."""
    require_pyspark()
    warnings.filterwarnings("ignore", message=PANDAS_VERSION_WARNING)
    from pyspark.sql import SparkSession

    builder = (SparkSession.builder.master(master).appName(app_name)
               .config("spark.sql.execution.arrow.pyspark.enabled", "true")
               .config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", str(_on_terminal()).lower()))
    for key, value in spark_log_options().items():
        builder = builder.config(key, value)
    try:
        return builder.getOrCreate()
    except Exception as exc:  # a missing Java runtime surfaces as a py4j/Runtime error
        raise FindeepError(f"cannot start Spark ({_first_line(exc)}); is a Java runtime (17+) "
                           "installed?") from None


def _not_py4j_call_noise(record: logging.LogRecord) -> bool:
    """False for py4j's own "… while sending command." records: py4j logs them with their
    traceback on the root logger when Ctrl-C lands in the middle of a call to Java (and
    PySpark's handler, cancelling the jobs, makes a second call from inside the first)."""
    return not record.getMessage().endswith("while sending command.")


@contextlib.contextmanager
def quiet_py4j_interrupts() -> Iterator[None]:
    """For the CLI's Spark commands: Ctrl-C reads as findeep's one line ("interrupted"),
    not as py4j's tracebacks on the root logger (measured: ~50 lines before it)."""
    root = logging.getLogger()
    root.addFilter(_not_py4j_call_noise)
    try:
        yield
    finally:
        root.removeFilter(_not_py4j_call_noise)


def spark_log_options(environ: dict[str, str] | None = None) -> dict[str, str]:
    """The driver option that points Spark's log at findeep's quiet configuration, or none
    where Spark has its own: a ``log4j2.properties`` in ``$SPARK_CONF_DIR`` or
    ``$SPARK_HOME/conf``, or a driver option the user set (``spark.driver.extraJavaOptions``
    in ``spark-defaults.conf`` or ``PYSPARK_SUBMIT_ARGS``). Only a driver findeep launches
    reads it: a running session keeps its own log."""
    environ = os.environ if environ is None else environ
    for folder in (environ.get("SPARK_CONF_DIR"),
                   environ.get("SPARK_HOME") and os.path.join(environ["SPARK_HOME"], "conf")):
        if not folder:
            continue
        if (Path(folder) / "log4j2.properties").exists():
            return {}
        defaults = Path(folder) / "spark-defaults.conf"
        if defaults.exists() and "spark.driver.extraJavaOptions" in defaults.read_text(
                errors="replace"):
            return {}
    if "extraJavaOptions" in environ.get("PYSPARK_SUBMIT_ARGS", ""):
        return {}
    return {"spark.driver.extraJavaOptions":
            f"-Dlog4j2.configurationFile={QUIET_LOG_CONFIG.as_uri()}"}


def _on_terminal() -> bool:
    return bool(getattr(sys.stderr, "isatty", lambda: False)())


@functools.lru_cache(maxsize=4)
def _pipeline(bundle: str, checksums_mtime: float) -> Any:
    """The bundle's tabular pipeline, loaded once per Python worker (and again if it is
    replaced); on the driver, the same load checks the bundle before any job starts."""
    from findeep.loading import load
    from findeep.workflow import tabular_pipeline

    return tabular_pipeline(load(bundle), bundle)


def _bundle_key(bundle: str | os.PathLike[str]) -> tuple[str, float]:
    """The bundle's absolute path and its checksum file's time: the workers' cache key."""
    path = Path(bundle).resolve()
    try:
        return str(path), (path / "checksums.json").stat().st_mtime
    except OSError:
        return str(path), 0.0  # no bundle there: loading it says so in one line


class ReportParam:
    """Spark accumulator rules for a ``TransformReport``: start empty, fold batches in
    (``TransformReport.add``, as streamed scoring folds its chunks)."""

    def zero(self, value: TransformReport) -> TransformReport:
        return TransformReport()

    def addInPlace(self, value1: TransformReport,  # the name Spark calls
                   value2: TransformReport) -> TransformReport:
        value1.add(value2)
        return value1


def scoring_report(spark: Any) -> Any:
    """A Spark accumulator for ``score_dataframe(report=...)``: after an action has scored
    the rows, its ``value`` is their ``TransformReport`` (unseen and missing categories,
    unreadable numbers, empty and off-scale columns). A stage Spark re-runs after a lost
    executor may count its rows twice."""
    return spark.sparkContext.accumulator(TransformReport(), ReportParam())


def output_schema(pipeline: Any, id_column: str | None = None, id_type: Any = None) -> Any:
    """The scores' Spark schema: the columns and types ``findeep predict`` writes — float
    probabilities and predictions, the predicted label typed as the classes are (int64
    for integer classes, string for text)."""
    from pyspark.sql.types import FloatType, StructField, StructType

    target = pipeline.target
    fields = [StructField(id_column, id_type)] if id_column is not None else []
    if target.task == "binary":
        fields += [StructField(f"probability_{target.event_class}", FloatType()),
                   StructField("predicted", _label_type(pipeline))]
    elif target.task == "multiclass":
        fields += [StructField(f"probability_{c}", FloatType()) for c in target.classes]
        fields += [StructField("predicted", _label_type(pipeline))]
    else:
        fields += [StructField("prediction", FloatType())]
    return StructType(fields)


def _label_type(pipeline: Any) -> Any:
    """The Spark type of the predicted labels: what pyarrow makes of them when findeep
    predict writes them; string for classes Arrow cannot type as one (mixed kinds)."""
    import pyarrow as pa
    from pyspark.sql.pandas.types import from_arrow_type
    from pyspark.sql.types import StringType

    target = pipeline.target
    labels = (pipeline.decide(np.array([0.0, 1.0], dtype=np.float32), 0.5)
              if target.task == "binary" else np.asarray(target.classes, dtype=object))
    try:
        return from_arrow_type(pa.array(labels).type)
    except Exception:  # pyarrow's ArrowInvalid/TypeError, pyspark's PySparkTypeError
        return StringType()


def _check_columns(pipeline: Any, columns: Sequence[str], id_column: str | None) -> None:
    """The id column and every trained column are in ``columns``, or one sentence naming
    what is absent (the same words as findeep predict)."""
    if id_column is not None and id_column not in columns:
        raise DataError(f"id column '{id_column}' is not in the data."
                        + did_you_mean(id_column, columns))
    pipeline.schema.check_scoring_frame(pd.DataFrame(columns=list(columns)))


def _column(name: str) -> Any:
    """A top-level column by its exact name (dots and spaces are not paths here)."""
    from pyspark.sql import functions as F

    return F.col("`" + name.replace("`", "``") + "`")


def score_dataframe(frame: Any, bundle: str | os.PathLike[str], *,
                    id_column: str | None = None, threshold: float | None = None,
                    report: Any = None) -> Any:
    """A Spark DataFrame of scores, one row per row of ``frame`` (lazy, like any Spark job),
    with the columns, types and values ``findeep predict`` writes for the same rows,
    whatever the session's or the machine's time zone.

    Spark keeps no row order, so pass ``id_column`` (a key of ``frame``) to join the scores
    back; without it a ``FindeepWarning`` says so. ``threshold`` is a binary model's
    cut-off, as in predict (0.5 when None). ``report``, an accumulator from
    ``scoring_report(spark)``, collects what scoring had to absorb (unseen categories, ...).
    A missing trained or id column, or a bad threshold, raises before any job runs.
    """
    from pyspark.sql import functions as F
    from pyspark.sql.types import StringType, TimestampType

    from findeep.pipeline import decision_threshold, score_table

    bundle_path, mtime = _bundle_key(bundle)
    pipeline = _pipeline(bundle_path, mtime)
    threshold = decision_threshold(pipeline, threshold)
    _check_columns(pipeline, [str(c) for c in frame.columns], id_column)
    if id_column is None:
        warnings.warn(NO_ID_COLUMN, FindeepWarning, stacklevel=2)
    features = list(pipeline.schema.used_names)
    # Spark hands a timestamp (an instant) to pandas as the wall-clock time of the session's
    # time zone with the zone dropped, while findeep predict reads it on UTC: microseconds
    # since the epoch cross unchanged, and become UTC datetimes again in the worker
    instants = [name for name in features
                if isinstance(frame.schema[name].dataType, TimestampType)]
    columns = [F.unix_micros(_column(name)).alias(name) if name in instants else _column(name)
               for name in features]
    if id_column is not None:
        columns.append(_column(id_column).alias(_ID))
    schema = output_schema(pipeline, id_column,
                           frame.schema[id_column].dataType if id_column is not None else None)
    label_as_text = any(f.name == "predicted" and isinstance(f.dataType, StringType)
                        for f in schema.fields)

    def score(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        worker = _pipeline(bundle_path, mtime)
        rules = worker.scoring_rules  # each batch read as training read its table
        for batch in batches:
            for name in instants:
                batch[name] = pd.to_datetime(batch[name], unit="us", utc=True)
            # findeep predict's steps, with the report kept for one warning at the end
            # (per-batch warnings would go to the executors' logs, once per batch)
            worker.check_frame(batch)
            x_num, x_cat, seen = worker.preprocessor.transform(batch, rules)
            if report is not None:
                report.add(seen)
            prediction = worker.with_partner(
                worker._prediction(worker._network_logits(x_num, x_cat)), batch)
            scores = score_table(worker, batch, prediction, None, threshold)
            if label_as_text:
                scores["predicted"] = scores["predicted"].astype(str)
            if id_column is not None:
                scores.insert(0, id_column, batch[_ID].to_numpy())
            yield scores

    return frame.select(*columns).mapInPandas(score, schema=schema)


_SPARK_OUTPUT_NAMES = ("part-", "_SUCCESS", ".part-", "._SUCCESS")


def is_spark_output(path: Path) -> bool:
    """A folder Spark wrote Parquet into: part files, its _SUCCESS marker, checksums."""
    return all(p.name.startswith(_SPARK_OUTPUT_NAMES) for p in path.iterdir())


def _local_path(data: str | os.PathLike[str]) -> Path | None:
    """``data`` as a local path, or None for a URI Spark reads itself (hdfs://, s3a://)."""
    text = os.fspath(data)
    if _is_plain_path(text):
        return Path(text)
    parsed = urlparse(text)
    return Path(parsed.path) if parsed.scheme == "file" else None


def _local_columns(path: Path) -> list[str]:
    """The columns of a local Parquet file or directory, checked as every other command
    checks them (``ParquetSource``: it exists, is Parquet, every file holds the same
    columns with the same types), with Hive-style partition keys (``year=2024/``)."""
    from findeep.data.stream import ParquetSource

    if path.is_file() and path.suffix.lower() in (".csv", ".tsv", ".txt"):
        raise DataFileError(
            f"Spark scoring reads Parquet; '{path}' is {path.suffix[1:].upper()}: "
            f"convert it once, e.g. pandas.read_csv('{path.name}').to_parquet('"
            f"{path.with_suffix('.parquet').name}'), or read it with Spark and pass the "
            "DataFrame to findeep.spark.score_dataframe.")
    source = ParquetSource(path)
    keys = {part.split("=", 1)[0] for unit in source.units
            for part in Path(unit.path).relative_to(path).parent.parts
            if "=" in part} if path.is_dir() else set()
    return [*source.columns, *sorted(keys - set(source.columns))]


def _read_parquet(spark: Any, data: str | os.PathLike[str], *,
                  shown: str | os.PathLike[str] | None = None) -> Any:
    """``data`` read by Spark, or one sentence naming ``shown`` (the path as the user wrote
    it; ``data`` by default) when Spark cannot (a path it does not find)."""
    shown = data if shown is None else shown
    from py4j.protocol import Py4JJavaError
    from pyspark.errors import AnalysisException

    try:
        return spark.read.parquet(os.fspath(data))
    except AnalysisException as exc:
        raise DataFileError(f"Spark cannot read '{shown}' as Parquet: "
                            f"{_first_line(exc)}") from None
    except Py4JJavaError as exc:  # storage Spark cannot reach (no s3a:// classes, a bad host)
        raise DataFileError(f"Spark cannot read '{shown}' as Parquet: "
                            f"{_java_cause(exc)}") from None


_WORKER_ERROR = re.compile(r"^findeep\.errors\.(\w+): (.+)$", re.MULTILINE)


def _worker_error(exc: BaseException) -> FindeepError | None:
    """The ``FindeepError`` a Python worker raised on purpose (bad data in a batch), out of
    the Spark exception that carries its traceback; None for anything else (a bug)."""
    match = _WORKER_ERROR.search(str(exc))
    if match is None:
        return None
    kind = getattr(errors, match.group(1), None)
    if not (isinstance(kind, type) and issubclass(kind, FindeepError)):
        kind = FindeepError
    return kind(match.group(2).strip())


_FAILED_READ = re.compile(r"\[FAILED_READ_FILE[.\w]*\][^\n]*?reading file (\S+?)\.?\s")


def _unreadable_input(exc: BaseException, *, shown: str | os.PathLike[str]
                      ) -> DataFileError | None:
    """One sentence for a file Spark found damaged while scoring (its footer read, a page
    did not): the file and the innermost Java cause; None for any other failure."""
    match = _FAILED_READ.search(str(exc))
    if match is None:
        return None
    return DataFileError(f"Spark cannot read '{shown}' (file {match.group(1)}), which may be "
                         f"damaged: {_java_cause(exc)}")


def score_with_spark(bundle: str | os.PathLike[str], data: str | os.PathLike[str],
                     out: str | os.PathLike[str], *, id_column: str | None = None,
                     threshold: float | None = None, master: str = "local[*]",
                     force: bool = False) -> dict[str, Any]:
    """Read Parquet with Spark, score it, write a Parquet directory (renamed into place).

    Before Spark starts: ``out``, the bundle and the threshold are checked, and a local
    ``data`` as every other command checks it (each file's schema, the trained columns).
    A plain path is this machine's disk (handed to Spark as a ``file://`` URI, so a cluster's
    default file system does not redirect it), so it is refused with a cluster master;
    a URI (``hdfs://``, ``s3a://``, ``file://``) is read and written through Spark's own
    file system, ``out`` staged beside itself and renamed into place as locally.
    Returns the rows written and the unseen / missing category counts (as findeep predict
    does); unreadable numbers, empty and off-scale columns are warned about once.
    """
    from findeep.output_paths import refuse_folder_overwrite
    from findeep.pipeline import decision_threshold

    require_pyspark()  # the extra first: the fix that comes before all others
    _refuse_plain_path_on_a_cluster("the data", data, master)
    _refuse_plain_path_on_a_cluster("--out", out, master)
    local_out = _is_plain_path(out)
    if local_out:
        refuse_folder_overwrite(out, force=force, replaceable=is_spark_output,
                                what="a folder of Spark's Parquet output")
    pipeline = _pipeline(*_bundle_key(bundle))
    decision_threshold(pipeline, threshold)
    local = _local_path(data)
    if local is not None:
        _check_columns(pipeline, _local_columns(local), id_column)
    spark = spark_session(master)
    target = _LocalOutput(Path(out)) if local_out else _HadoopOutput(spark, os.fspath(out))
    target.refuse_overwrite(force=force)
    frame = _read_parquet(spark, data if local is None else local.resolve().as_uri(),
                          shown=data)
    report = scoring_report(spark)
    scores = score_dataframe(frame, bundle, id_column=id_column, threshold=threshold,
                             report=report)
    staging = target.staging()
    try:
        try:
            scores.write.parquet(staging)
        except Exception as exc:
            error = _worker_error(exc) or _unreadable_input(exc, shown=data)
            if error is None:
                raise
            raise error from None
        rows = spark.read.parquet(staging).count()
        target.replace_with(staging)
    finally:
        target.clean_up()
    seen: TransformReport = report.value
    for message in seen.reading_messages(pipeline.scoring_rules.scale):
        warnings.warn(message, FindeepWarning, stacklevel=2)
    return {"rows": rows, "out": target.shown, "unseen_categories": seen.unseen_categories,
            "missing_categories": seen.missing_categories}


def _is_plain_path(location: str | os.PathLike[str]) -> bool:
    """A path with no file system named (``scores/``, ``C:\\scores``), not a URI."""
    return len(urlparse(os.fspath(location)).scheme) <= 1  # one letter: a Windows drive


def _is_local_master(master: str) -> bool:
    return master.startswith("local")  # local, local[4], local-cluster[...]


def _refuse_plain_path_on_a_cluster(what: str, location: str | os.PathLike[str],
                                    master: str) -> None:
    """A plain path names this machine's disk, which a cluster's executors do not see (and
    which Spark would read on the cluster's default file system, e.g. HDFS): one sentence."""
    if not _is_local_master(master) and _is_plain_path(location):
        raise ConfigError(
            f"{what} '{os.fspath(location)}' is a path on this machine, which the executors "
            f"of master '{master}' do not share: name its file system (hdfs:///..., "
            "s3a://..., or file:///... on storage every node mounts).")


class _LocalOutput:
    """``--out`` on this machine's disk: staged in a hidden sibling folder, renamed into
    place (``os.replace``) once Spark has written every part."""

    def __init__(self, out: Path) -> None:
        self.out, self.shown = out, str(out)
        self._folder: Path | None = None

    def refuse_overwrite(self, *, force: bool) -> None:
        """Checked before Spark starts (``refuse_folder_overwrite``)."""

    def staging(self) -> str:
        import tempfile

        self.out.parent.mkdir(parents=True, exist_ok=True)
        self._folder = Path(tempfile.mkdtemp(prefix=f".{self.out.name}.", dir=self.out.parent))
        return (self._folder / "scores").resolve().as_uri()

    def replace_with(self, staging: str) -> None:
        import shutil

        if self.out.exists():
            shutil.rmtree(self.out) if self.out.is_dir() else self.out.unlink()
        os.replace(Path(urlparse(staging).path), self.out)

    def clean_up(self) -> None:
        import shutil

        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)


class _HadoopOutput:
    """``--out`` as a URI (``hdfs://``, ``s3a://``, ``file://``): checked, staged and renamed
    through Spark's own Hadoop file system, so the folder Spark writes is the one renamed."""

    def __init__(self, spark: Any, out: str) -> None:
        from py4j.protocol import Py4JJavaError

        hadoop = spark._jvm.org.apache.hadoop.fs
        self.shown, self._path_type = out, hadoop.Path
        self._out = hadoop.Path(out)
        try:
            self._fs = self._out.getFileSystem(spark._jsc.hadoopConfiguration())
        except Py4JJavaError as exc:
            raise DataFileError(f"Spark cannot write '{out}': {_java_cause(exc)}") from None
        self._staging: Any = None

    def refuse_overwrite(self, *, force: bool) -> None:
        """As ``refuse_folder_overwrite`` does on a local disk: only with ``force``, only a
        folder of Spark's Parquet output (or an empty one)."""
        from findeep.errors import BundleError
        from findeep.output_paths import FORCE_HINT

        if not self._fs.exists(self._out):
            return
        if not force:
            raise BundleError(f"'{self.shown}' already exists; {FORCE_HINT}.")
        if not self._fs.getFileStatus(self._out).isDirectory():
            raise BundleError(f"'{self.shown}' exists and is not a folder; choose another --out.")
        names = sorted(str(status.getPath().getName())
                       for status in self._fs.listStatus(self._out))
        if not all(name.startswith(_SPARK_OUTPUT_NAMES) for name in names):
            shown = ", ".join(repr(name) for name in names[:3])
            raise BundleError(f"'{self.shown}' is not a folder of Spark's Parquet output (it "
                              f"holds {shown}); --force replaces only that, so choose another "
                              "--out.")

    def staging(self) -> str:
        import uuid

        name = f".{self._out.getName()}.findeep-{uuid.uuid4().hex[:12]}"
        self._staging = self._path_type(self._out.getParent(), name)
        return str(self._staging.toString())

    def replace_with(self, staging: str) -> None:
        from findeep.errors import BundleError

        if self._fs.exists(self._out):
            self._fs.delete(self._out, True)
        if not self._fs.rename(self._staging, self._out):
            raise BundleError(f"could not move the scores into '{self.shown}' (the file "
                              "system refused the rename); nothing was written there.")
        self._staging = None

    def clean_up(self) -> None:
        if self._staging is not None and self._fs.exists(self._staging):
            self._fs.delete(self._staging, True)


# ---- training ---------------------------------------------------------------------------------
# ``findeep train``'s options that take no value (cli.train): every other option takes one,
# so the data is the one word that is neither an option nor an option's value. Pinned to
# the command's own options by tests/test_spark_checks.py
TRAIN_FLAGS = frozenset({"--calibrate", "--no-calibrate", "--row-sketch", "--no-row-sketch",
                         "--force", "--quiet", "-q", "--stream", "--no-stream", "--resume",
                         "--help"})


@dataclass(frozen=True)
class TrainArguments:
    """What ``train_with_spark`` checks before launching, read from ``findeep train``'s
    arguments: the data, ``--target``, ``--out``, ``--time-column`` and ``--force``."""

    data: list[str]
    options: dict[str, str | None]
    flags: frozenset[str]

    @classmethod
    def parse(cls, args: Sequence[str]) -> TrainArguments:
        data: list[str] = []
        options: dict[str, str | None] = {}
        flags: set[str] = set()
        i = 0
        while i < len(args):
            arg = str(args[i])
            if arg == "--":
                data += [str(a) for a in args[i + 1:]]
                break
            if arg.startswith("-") and arg != "-":
                name, equals, value = arg.partition("=")
                if equals:
                    options[name] = value
                elif name in TRAIN_FLAGS:
                    flags.add(name)
                else:
                    options[name] = str(args[i + 1]) if i + 1 < len(args) else None
                    i += 1
            else:
                data.append(arg)
            i += 1
        return cls(data, options, frozenset(flags))


def check_train_arguments(args: TrainArguments, *, num_processes: int,
                          read_data: bool = True) -> Path:
    """Refuse, in one sentence and before Spark or torchrun start, what ``findeep train``
    would refuse in every rank: no target, a target or time column not in the data, an
    ``--out`` that exists without ``--force`` (or cannot be written), data that is not
    Parquet or whose files disagree, fewer row groups than processes. Returns ``--out``."""
    from findeep.bundle import check_writable
    from findeep.data.stream import ParquetSource
    from findeep.streamed import check_columns

    if not isinstance(num_processes, int) or num_processes < 1:
        raise ConfigError(f"num_processes must be a positive integer, however: "
                          f"{num_processes=}")
    if "--nproc-per-node" in args.options:
        raise ConfigError("--nproc-per-node does not go with findeep spark train: "
                          "--num-processes sets how many ranks TorchDistributor starts.")
    if len(args.data) != 1:
        found = f"got {', '.join(repr(d) for d in args.data)}" if args.data else "got none"
        raise ConfigError(f"name one Parquet file or folder to train on ({found}), e.g. "
                          "findeep spark train -- data.parquet --target default --out model.")
    target = args.options.get("--target")
    if not target:
        raise ConfigError("--target is required: name the column to predict.")
    out = args.options.get("--out")
    if not out:
        raise ConfigError("--out is required: the bundle folder rank 0 writes (with "
                          "--cluster-mode, on storage the driver and executors share).")
    out_path = check_writable(out, force="--force" in args.flags)
    if read_data:
        source = ParquetSource(args.data[0])
        check_columns(source, target=target, time_column=args.options.get("--time-column"))
        source.check_processes(num_processes)
    return out_path


def _bundle_stamp(out: Path) -> tuple[int, int] | None:
    """Which bundle document sits in ``out`` (inode and time), or None: a bundle is renamed
    into place whole, so a new one always has a new stamp."""
    from findeep.bundle import META_FILE

    try:
        stat = (out / META_FILE).stat()
    except OSError:
        return None
    return stat.st_ino, stat.st_mtime_ns


def train_with_spark(train_args: Sequence[str], *, num_processes: int = 2,
                     local_mode: bool = True, use_gpu: bool = False,
                     master: str = "local[*]") -> dict[str, Any]:
    """``findeep train TRAIN_ARGS`` as ``num_processes`` ranks started by TorchDistributor;
    returns the bundle's metrics report, with ``bundle`` (where it was written).

    ``TRAIN_ARGS`` must name the data, ``--target`` and ``--out``; what ``findeep train``
    would refuse is refused first (``check_train_arguments``). The ranks' output is kept
    back: a rank's own ``findeep:`` error becomes this function's one-line
    ``FindeepError``, and its warnings are re-issued once each. The run counts as done only
    if a new bundle is in ``--out`` afterwards."""
    from findeep.train.distributed import LAUNCHER_REPORTS

    require_pyspark()
    args = TrainArguments.parse(train_args)
    # with --cluster-mode the data need only be where the executors read it
    read_data = local_mode or Path(args.data[0] if len(args.data) == 1 else "").exists()
    out = check_train_arguments(args, num_processes=num_processes, read_data=read_data)
    from pyspark.ml.torch.distributor import TorchDistributor

    import findeep

    spark_session(master)
    before = _bundle_stamp(out)
    entry = str(Path(findeep.__file__).with_name("__main__.py"))
    ranks_output = io.StringIO()
    crash = None
    previous = os.environ.get(LAUNCHER_REPORTS)
    os.environ[LAUNCHER_REPORTS] = "1"  # rank 0 leaves the report to this process: said once
    try:
        with contextlib.redirect_stdout(ranks_output), warnings.catch_warnings():
            # TorchDistributor leaves torchrun's output pipe for the garbage collector to close
            warnings.simplefilter("ignore", ResourceWarning)
            try:
                TorchDistributor(num_processes=num_processes, local_mode=local_mode,
                                 use_gpu=use_gpu).run(entry, "train", *map(str, train_args),
                                                      "--stream", "--quiet")
            except Exception as exc:
                crash = _first_line(exc)
    finally:
        if previous is None:
            os.environ.pop(LAUNCHER_REPORTS, None)
        else:
            os.environ[LAUNCHER_REPORTS] = previous
    lines = [line.strip() for line in ranks_output.getvalue().splitlines()]
    failure = _rank_failure(lines, crash)
    if failure:
        raise FindeepError(f"training under Spark's TorchDistributor stopped: {failure}")
    if _bundle_stamp(out) in (None, before):
        where = ("; with --cluster-mode, --out must be on storage the driver and executors "
                 "share" if not local_mode else "")
        raise FindeepError(
            f"training under Spark's TorchDistributor wrote no bundle to '{out}' "
            f"({crash or 'a rank stopped without saying why'}){where}; the same arguments "
            "under findeep train --nproc-per-node show the ranks' own output.")
    for line in dict.fromkeys(line for line in lines if line.startswith("findeep: warning:")):
        warnings.warn(line.removeprefix("findeep: warning:").strip(), FindeepWarning,
                      stacklevel=2)
    report = json.loads((out / "metrics.json").read_text())
    return {**report, "bundle": str(out)}


def _rank_failure(lines: list[str], crash: str | None = None) -> str | None:
    """Why the ranks stopped, from their output: a rank's own ``findeep:`` error (not a
    warning), else the message of a usage error (a misspelt option) from its framed box.

    A rank's "interrupted" line is a consequence, not a cause: when one rank dies, torchrun
    stops the others with SIGTERM and each says "interrupted". So another rank's error comes
    first, and where none said why, the line says a rank died and torchrun stopped the rest,
    with ``crash`` (TorchDistributor's own error, which carries torchrun's exit codes)."""
    errors = [line.removeprefix("findeep:").strip() for line in lines
              if line.startswith("findeep:") and not line.startswith("findeep: warning:")]
    causes = [e for e in errors if not e.startswith("interrupted")]
    if causes:
        return causes[0]
    if errors:
        return (f"{_root_cause(lines, crash)} without a line of its own, and torchrun then "
                f"stopped the others (each said: {errors[0]})")
    framed = [line.strip("│ ") for line in lines if line.startswith("│")]
    if any(line.startswith(("Usage:", "Try '")) for line in lines) and framed:
        return "findeep train's arguments: " + " ".join(" ".join(framed).split())
    return None


def _root_cause(lines: list[str], crash: str | None) -> str:
    """Which rank died and how, from torchrun's failure summary in the ranks' output
    ("Root Cause ... rank : 1 ... exitcode : -9"), else TorchDistributor's return code."""
    rank, code = None, None
    for line in lines[next((i for i, line in enumerate(lines) if "Root Cause" in line), 0):]:
        if rank is None and (found := re.match(r"rank\s*:\s*(\d+)", line)):
            rank = found.group(1)
        if code is None and (found := re.match(r"exitcode\s*:\s*(-?\d+)", line)):
            code = int(found.group(1))
    if code is None and crash and (found := re.search(r"return code (-?\d+)", crash)):
        code = int(found.group(1))
    who = f"rank {rank}" if rank is not None else "a rank"
    if code is None:
        return f"{who} stopped"
    if code < 0:
        with contextlib.suppress(ValueError):
            return f"{who} was killed by {signal.Signals(-code).name}"
    return f"{who} exited with code {code}"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _java_cause(exc: BaseException) -> str:
    """The innermost Java exception's own line (``Caused by: ...``) out of a py4j error,
    which opens with 'An error occurred while calling o34.parquet.' and a Java stack."""
    causes = [line.strip().removeprefix("Caused by:").removeprefix(":").strip()
              for line in str(exc).splitlines()
              if line.startswith(("Caused by:", ": "))]
    return causes[-1] if causes else _first_line(exc)
