"""The engine, classifier and result classes of the public module."""

from __future__ import annotations

import datetime as _dt
import json
import os
from typing import Any, Iterable, List, Mapping, Optional, Sequence, Union

from . import _custinsight
from ._convert import (
    Record,
    _to_json,
    arrow_texts,
    atomic_write,
    default_output,
    frame,
    kind_of,
    label_frame,
    now_iso,
    progress_callback,
    read_bytes,
    time_nanos,
    time_values,
    timezone_of,
    values_of,
)
from ._custinsight import ConfigError, InvalidInputError

PathLike = Union[str, "os.PathLike[str]"]


class Result:
    """A result of the core: its fields are attributes (nested records are
    results too) and :meth:`to_dict` gives the plain ``dict``.

    Example:
        >>> r = Result({"category": "billing.refund", "alternatives": [{"confidence": 0.1}]})
        >>> r.category, r.alternatives[0].confidence
        ('billing.refund', 0.1)
    """

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[str, Any]) -> None:
        object.__setattr__(self, "_data", dict(data))

    def __getattr__(self, name: str) -> Any:
        try:
            return _wrap(self._data[name])
        except KeyError:
            raise AttributeError(f"{type(self).__name__} has no field {name!r}") from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is read-only")

    def __dir__(self) -> list:
        return sorted(set(super().__dir__()) | set(self._data))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Result) and self._data == other._data

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in self._data.items())
        return f"{type(self).__name__}({fields})"

    def to_dict(self) -> dict:
        """The result as plain ``dict`` (a copy), as the core's JSON has it."""
        return json.loads(json.dumps(self._data))


def _wrap(value: Any) -> Any:
    if isinstance(value, dict):
        return Result(value)
    if isinstance(value, list):
        return [_wrap(item) for item in value]
    return value


class Classification(Result):
    """The answer for one complaint text.

    Attributes: ``category``, ``confidence``, ``band`` (``low``/``medium``/``high``),
    ``work_group``, ``alternatives`` (``category``, ``confidence``), ``signals``
    (``signal``, ``start``, ``end``, ``matched``), ``severity``, ``uncertain``,
    and ``explanation`` when asked for.
    """

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        if name == "explanation" and "explanation" not in self._data:
            return None
        return Result.__getattr__(self, name)


class Verdict(Result):
    """The repeat-detection verdict of a new complaint.

    Attributes: ``id``, ``kind`` (``new``/``repeat``/``second``/``duplicate``),
    ``escalated``, ``matched`` (``id``, ``days_since``, ``similarity``,
    ``same_category``, ``open``), ``repeat_count``, ``thread``, ``category``.
    """

    __slots__ = ()


class ComplaintIntake(Result):
    """The answer at intake: ``classification`` (None without text),
    ``outcome`` (``judged`` or ``updated`` for a known ticket id),
    ``verdict`` (None for an update) and ``repeat`` (the raw answer)."""

    __slots__ = ()

    @property
    def classification(self) -> Optional[Classification]:
        data = self._data.get("classification")
        return None if data is None else Classification(data)

    @property
    def outcome(self) -> str:
        return self._data["repeat"]["outcome"]

    @property
    def verdict(self) -> Optional[Verdict]:
        repeat = self._data["repeat"]
        if repeat["outcome"] != "judged":
            return None
        return Verdict({k: v for k, v in repeat.items() if k != "outcome"})


class PopUp(Result):
    """The call pop-up: ``customer_id``, ``at``, ``call_intents`` (``reason``,
    ``probability``), ``opportunities`` ranked (``kind``, ``score``, ``evidence``,
    ``script``, ``guidance``, ``call_reason``, ``subject_id``), ``suppressed``
    and ``churn_probability``."""

    __slots__ = ()


class AuditFinding(Result):
    """One cross-system inconsistency: ``code``, ``product``, ``values``
    (``system``, ``value``), ``severity`` and ``script``."""

    __slots__ = ()


def _rates_frame(rates: Mapping[str, Mapping[str, Any]], key: str) -> Any:
    import pandas as pd

    rows = [{key: name, **values} for name, values in rates.items()]
    return pd.DataFrame(rows).set_index(key) if rows else pd.DataFrame()


class RepeatSummary(Result):
    """Carrier KPIs of a labelled data set: ``overall`` rates, ``updates``, and
    the rates ``by_category``, ``by_channel`` and ``by_month`` (``YYYY-MM`` in UTC)
    as pandas data frames through :meth:`frame`.

    Each rate row has ``complaints``, ``duplicates``, ``new``, ``repeats``,
    ``seconds``, ``escalated``, ``repeat_rate``, ``second_rate``,
    ``escalation_rate`` and ``per_10k_customers``.
    """

    __slots__ = ()

    def frame(self, by: str) -> Any:
        """The rates by ``"category"``, ``"channel"`` or ``"month"`` as a pandas DataFrame."""
        if by not in ("category", "channel", "month"):
            raise InvalidInputError(f"invalid by: {by!r} is not one of 'category', 'channel', 'month'")
        return _rates_frame(self._data[f"by_{by}"], by)

    def plot(self, top: int = 10) -> Any:
        """Repeat, second and escalation rates by category (the ``top`` largest)
        and by month, as a matplotlib Figure (returned, not shown)."""
        from matplotlib.figure import Figure

        figure = Figure(figsize=(12, 4.5), layout="constrained")
        left, right = figure.subplots(1, 2)
        columns = ["repeat_rate", "second_rate", "escalation_rate"]
        by_category = self.frame("category")
        if len(by_category):
            by_category = by_category.sort_values("complaints", ascending=False).head(top)
            by_category[columns].plot.barh(ax=left)
            left.invert_yaxis()
        left.set_title("Rates by category")
        left.set_xlabel("share of complaints")
        by_month = self.frame("month")
        if len(by_month):
            by_month[columns].plot(ax=right, marker="o")
        right.set_title("Rates by month")
        right.set_ylabel("share of complaints")
        return figure


class EvaluationReport:
    """The measured quality of a classifier on labelled examples.

    Attributes: ``accuracy``, ``macro_f1``, ``work_group_accuracy`` (first-dispatch
    accuracy), ``calibration_error``, ``labels``; :attr:`per_category` and
    :attr:`confusion` as pandas data frames, :meth:`precision_coverage`,
    :meth:`operating_point`, :meth:`abstention` and :meth:`plot`.
    """

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self._data = json.loads(inner.to_json())

    @property
    def accuracy(self) -> float:
        """Share of examples whose category was right."""
        return self._data["accuracy"]

    @property
    def macro_f1(self) -> float:
        """Mean F1 over the categories with examples or predictions."""
        return self._data["macro_f1"]

    @property
    def work_group_accuracy(self) -> float:
        """Share dispatched to the right work group."""
        return self._data["work_group_accuracy"]

    @property
    def calibration_error(self) -> float:
        """Expected calibration error over 10 confidence bins."""
        return self._data["calibration_error"]

    @property
    def labels(self) -> list:
        """Category codes in taxonomy order."""
        return list(self._data["labels"])

    @property
    def per_category(self) -> Any:
        """Support, precision, recall and F1 per category (pandas, indexed by code)."""
        import pandas as pd

        table = pd.DataFrame(self._data["per_category"]).set_index("code")
        table.insert(0, "work_group", self._data["work_groups"])
        return table

    @property
    def confusion(self) -> Any:
        """Counts ``[truth][predicted]`` as a pandas DataFrame labelled by category."""
        import pandas as pd

        labels = self._data["labels"]
        return pd.DataFrame(
            self._data["confusion"],
            index=pd.Index(labels, name="truth"),
            columns=pd.Index(labels, name="predicted"),
        )

    def to_frame(self) -> Any:
        """The per-category report (same as :attr:`per_category`)."""
        return self.per_category

    def to_dict(self) -> dict:
        """Everything the core measured, outcomes included."""
        return json.loads(json.dumps(self._data))

    def precision_coverage(self, category: Optional[str] = None) -> Any:
        """Precision and coverage at thresholds 0.00 … 1.00 (pandas), overall
        or for the predictions of one category."""
        import pandas as pd

        return pd.DataFrame(json.loads(self._inner.precision_coverage_json(category)))

    def operating_point(self, target: float, category: Optional[str] = None) -> Optional[dict]:
        """The lowest threshold whose answered predictions reach ``target``
        precision, with its coverage; None when unreachable."""
        return json.loads(self._inner.operating_point_json(target, category))

    def abstention(self, target: Optional[float] = None, per_category: Optional[Mapping[str, float]] = None) -> dict:
        """Thresholds that keep precision at ``target`` (globally and/or per
        category); pass ``result["thresholds"]`` to :meth:`Classifier.with_thresholds`."""
        return json.loads(self._inner.abstention_json(target, dict(per_category or {})))

    def plot(self) -> Any:
        """Confusion matrix and precision–coverage curve as a matplotlib Figure
        (returned, not shown)."""
        from matplotlib.figure import Figure

        figure = Figure(figsize=(13, 5.5), layout="constrained")
        left, right = figure.subplots(1, 2, gridspec_kw={"width_ratios": [1.3, 1]})
        labels = self._data["labels"]
        image = left.imshow(self._data["confusion"], cmap="Blues")
        left.set_xticks(range(len(labels)), labels, rotation=90, fontsize=7)
        left.set_yticks(range(len(labels)), labels, fontsize=7)
        left.set_xlabel("predicted")
        left.set_ylabel("truth")
        left.set_title("Confusion matrix")
        figure.colorbar(image, ax=left, shrink=0.8)
        curve = self.precision_coverage()
        right.plot(curve["coverage"], curve["precision"], marker=".")
        right.set_xlabel("coverage (share answered)")
        right.set_ylabel("precision")
        right.set_title(f"Precision–coverage (accuracy {self.accuracy:.3f})")
        right.grid(True, alpha=0.3)
        return figure

    def __repr__(self) -> str:
        return (
            f"EvaluationReport(examples={len(self._data['outcomes'])}, accuracy={self.accuracy:.4f}, "
            f"macro_f1={self.macro_f1:.4f}, work_group_accuracy={self.work_group_accuracy:.4f}, "
            f"calibration_error={self.calibration_error:.4f})"
        )


_CLASS_COLUMNS = ("category", "confidence", "band", "work_group", "severity", "uncertain", "signals")
_PREDICT_COLUMNS = ("category", "confidence", "band", "work_group", "uncertain")


def _classify_frame(native: Any, texts: Any, progress: Any, output: Optional[str], whole: bool = True) -> Any:
    values = values_of(texts)
    out = default_output(texts, output)
    # Data frames get the text columns as categoricals (dictionary arrays):
    # codes and a few distinct strings, no per-row string objects.
    coded = out in ("pandas", "arrow")
    callback, close = progress_callback(progress, "classify")
    try:
        columns = None
        try:
            # One C-level join and encode: far cheaper than converting each str.
            packed = "\0".join(values).encode("utf-8")
        except (TypeError, UnicodeEncodeError):
            packed = None  # the list path names the offending row
        if packed is not None:
            columns = native.classify_packed(packed, len(values), callback, coded, whole)
        if columns is None:
            columns = native.classify_columns(values, callback, coded, whole)
    finally:
        close()
    index = texts.index if kind_of(texts) == "pandas" and out == "pandas" else None
    names = _CLASS_COLUMNS if whole else _PREDICT_COLUMNS
    if coded:
        return _coded_frame(dict(zip(names, columns)), out, index)
    return frame(dict(zip(names, columns)), out, index)


def _coded_frame(columns: dict, output: str, index: Any) -> Any:
    """A frame of coded columns: the text columns as (codes, values), confidence
    as f4 bytes, uncertain as bytes, signals (of whole answers) as lists."""
    import numpy as np

    texts = ("category", "band", "work_group", "severity")
    decoded = {
        "confidence": np.frombuffer(columns["confidence"], dtype="<f4").astype(np.float64),
        "uncertain": np.frombuffer(columns["uncertain"], dtype=np.uint8).astype(bool),
    }
    if output == "arrow":
        import pyarrow as pa

        def dictionary(codes_and_values: Any) -> Any:
            codes, values = codes_and_values
            return pa.DictionaryArray.from_arrays(pa.array(np.frombuffer(codes, dtype="<i4")), pa.array(values, pa.string()))

        def arrow(name: str, value: Any) -> Any:
            if name in texts:
                return dictionary(value)
            if name == "signals":
                return pa.array(value, pa.list_(pa.string()))
            return decoded[name]

        return pa.table({name: arrow(name, value) for name, value in columns.items()})
    import pandas as pd

    def categorical(codes_and_values: Any) -> Any:
        codes, values = codes_and_values
        return pd.Categorical.from_codes(np.frombuffer(codes, dtype="<i4"), categories=values)

    def column(name: str, value: Any) -> Any:
        if name in texts:
            return categorical(value)
        return decoded.get(name, value)

    return pd.DataFrame({name: column(name, value) for name, value in columns.items()}, index=index)


def _texts_and_labels(texts: Any, labels: Any) -> tuple:
    text_list = values_of(texts)
    label_list = values_of(labels)
    for name, values in (("texts", text_list), ("labels", label_list)):
        for i, value in enumerate(values):
            if not isinstance(value, str):
                raise InvalidInputError(f"invalid {name}[{i}]: expected str, got {type(value).__name__}")
    return text_list, label_list


def _json_arg(value: Any, field: str) -> Optional[str]:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value)
    except TypeError as err:
        raise ConfigError(f"invalid {field}: {err}") from None


def default_taxonomy() -> list:
    """The specification's 24 categories (``code``, ``zh``, ``en``, ``work_group``).

    Example:
        >>> len(default_taxonomy())
        24
    """
    return json.loads(_custinsight.taxonomy_json())["categories"]


def _taxonomy_json(taxonomy: Any) -> Optional[str]:
    if taxonomy is None:
        return None
    if isinstance(taxonomy, list):
        taxonomy = {"categories": taxonomy}
    return _json_arg(taxonomy, "taxonomy")


class Classifier:
    """A complaint classifier: :meth:`builtin`, :meth:`train`-ed or :meth:`load`-ed.
    Immutable and safe to share between threads.

    Example:
        >>> model = Classifier.builtin()
        >>> model.classify("宽带断网三天了").work_group
        'broadband_maintenance'
    """

    def __init__(self, native: Any) -> None:
        self._native = native

    @classmethod
    def builtin(cls) -> "Classifier":
        """The built-in classifier of the specification's 24 categories."""
        return cls(_custinsight.Classifier.builtin())

    @classmethod
    def train(
        cls,
        texts: Any,
        labels: Any,
        taxonomy: Any = None,
        options: Optional[Mapping[str, Any]] = None,
        progress: Any = None,
    ) -> "Classifier":
        """Trains on texts and their category codes (lists, Series or arrays).

        Args:
            taxonomy: a list of categories (``code``, ``zh``, ``en``, ``work_group``);
                the default taxonomy when None.
            options: ``epochs``, ``learning_rate``, ``l2``, ``seed``,
                ``calibration_fraction``, ``features``.
            progress: True for a tqdm bar or a ``(done, total)`` callable; the core
                reports no intermediate steps, so it moves from 0 to 1 when done.

        Raises:
            InvalidInputError: naming the first example whose label is unknown.
            ConfigError: invalid options or taxonomy. TrainingError: too few examples.
        """
        text_list, label_list = _texts_and_labels(texts, labels)
        callback, close = progress_callback(progress, "train")
        try:
            if callback:
                callback(0, 1)
            native = _custinsight.Classifier.train(
                text_list, label_list, _taxonomy_json(taxonomy), _json_arg(options, "options")
            )
            if callback:
                callback(1, 1)
        finally:
            close()
        return cls(native)

    @classmethod
    def from_bytes(cls, data: bytes) -> "Classifier":
        """Loads a model from :meth:`to_bytes`. Raises ModelFormatError when damaged."""
        return cls(_custinsight.Classifier.from_bytes(bytes(data)))

    @classmethod
    def load(cls, path: PathLike) -> "Classifier":
        """Loads a model saved by :meth:`save`. Raises ModelFormatError when damaged."""
        return cls.from_bytes(read_bytes(path))

    def to_bytes(self) -> bytes:
        """The model in the versioned, checksummed format."""
        return self._native.to_bytes()

    def save(self, path: PathLike) -> None:
        """Writes the model atomically (temporary file, fsync, rename)."""
        atomic_write(path, self.to_bytes())

    @property
    def taxonomy(self) -> list:
        """The categories (``code``, ``zh``, ``en``, ``work_group``)."""
        return json.loads(self._native.taxonomy_json())["categories"]

    @property
    def thresholds(self) -> dict:
        """``uncertain_below``, ``per_category``, ``high_from``, ``medium_from``."""
        return json.loads(self._native.thresholds_json())

    def with_thresholds(self, thresholds: Mapping[str, Any]) -> "Classifier":
        """A copy with other abstention thresholds. Raises ConfigError when invalid."""
        return Classifier(self._native.with_thresholds(_json_arg(thresholds, "thresholds")))

    def classify(self, text: str, explain: int = 0) -> Classification:
        """Classifies one text; ``explain`` > 0 lists that many weighing features."""
        return Classification(self._native.classify_dict(text, explain))

    def classify_batch(self, texts: Any, progress: Any = None, output: Optional[str] = None) -> Any:
        """Classifies many texts on all cores; see :meth:`Engine.classify_batch`."""
        return _classify_frame(self._native, texts, progress, output)

    def predict_batch(self, texts: Any, progress: Any = None, output: Optional[str] = None) -> Any:
        """The category of many texts alone; see :meth:`Engine.predict_batch`."""
        return _classify_frame(self._native, texts, progress, output, whole=False)

    def evaluate(self, texts: Any, labels: Any) -> EvaluationReport:
        """Evaluates on labelled texts. Raises InvalidInputError naming an unknown label."""
        text_list, label_list = _texts_and_labels(texts, labels)
        return EvaluationReport(self._native.evaluate(text_list, label_list))


def holdout(
    texts: Any,
    labels: Any,
    taxonomy: Any = None,
    options: Optional[Mapping[str, Any]] = None,
    test_fraction: float = 0.2,
    seed: int = 0,
) -> EvaluationReport:
    """Trains on a stratified ``1 - test_fraction`` and evaluates on the rest."""
    text_list, label_list = _texts_and_labels(texts, labels)
    return EvaluationReport(
        _custinsight.holdout(
            text_list, label_list, _taxonomy_json(taxonomy), _json_arg(options, "options"), test_fraction, seed
        )
    )


def cross_validate(
    texts: Any,
    labels: Any,
    taxonomy: Any = None,
    options: Optional[Mapping[str, Any]] = None,
    folds: int = 5,
    seed: int = 0,
) -> EvaluationReport:
    """Stratified k-fold cross-validation: every example evaluated once."""
    text_list, label_list = _texts_and_labels(texts, labels)
    return EvaluationReport(
        _custinsight.cross_validate(
            text_list, label_list, _taxonomy_json(taxonomy), _json_arg(options, "options"), folds, seed
        )
    )


_COMPLAINT_FIELDS = (
    "id", "customer_id", "phone", "received_at", "channel", "category", "text", "status", "closed_at", "signals",
)
_LABEL_COLUMNS = ("outcome", "kind", "escalated", "repeat_count", "thread", "repeat_of", "repeat_category")
_SCORE_COLUMNS = (
    "customer_id",
    "churn_probability",
    "top_intent",
    "top_intent_probability",
    "top_opportunity",
    "top_opportunity_score",
    "opportunities",
)
_FINDING_COLUMNS = ("row", "customer_id", "code", "product", "severity", "systems", "detail")


class Engine:
    """The façade: classification, complaint intake and repeat detection, the
    call pop-up, audit and the complaint history, configured once.

    Args:
        config: None (defaults), a ``dict``, JSON text, or the path of a
            ``.toml`` or ``.json`` file (``classifier``, ``repeat``, ``popup``).
        classifier: a :class:`Classifier` instead of the built-in one.
        churn_model: a saved churn model (bytes or path) for the pop-up's churn risk.
        history: a history snapshot (bytes or path) from :meth:`save_history`.
        timezone: the time zone of naive ``datetime`` values (``"UTC"`` by
            default, or e.g. ``"Asia/Shanghai"``); aware ones and ISO text
            with an offset are taken as they are.

    Thread-safe: share one engine between threads; batch calls release the
    GIL and use all cores.

    Raises:
        ConfigError: naming the offending key. SnapshotFormatError: damaged history.

    Example:
        >>> engine = Engine({"repeat": {"window_days": 30}})
        >>> engine.classify("宽带断网三天了，一直没人修").category
        'broadband.outage'
    """

    def __init__(
        self,
        config: Union[None, Mapping[str, Any], str, "os.PathLike[str]"] = None,
        *,
        classifier: Optional[Classifier] = None,
        churn_model: Union[None, bytes, PathLike] = None,
        history: Union[None, bytes, PathLike] = None,
        timezone: Union[str, _dt.tzinfo] = "UTC",
    ) -> None:
        config_json = config_toml = None
        if isinstance(config, Mapping):
            config_json = _json_arg(dict(config), "config")
        elif isinstance(config, str) and config.lstrip().startswith("{"):
            config_json = config
        elif config is not None:
            path = os.fspath(config)
            try:
                with open(path, encoding="utf-8") as file:
                    text = file.read()
            except OSError as err:
                raise ConfigError(f"invalid config: cannot read {path!r}: {err.strerror}") from None
            if path.endswith(".toml"):
                config_toml = text
            else:
                config_json = text
        if classifier is not None and not isinstance(classifier, Classifier):
            raise InvalidInputError(f"invalid classifier: expected Classifier, got {type(classifier).__name__}")
        self._tz = timezone_of(timezone)
        self._native = _custinsight.Engine(
            config_json,
            config_toml,
            None if classifier is None else classifier._native,
            None if churn_model is None else read_bytes(churn_model),
            None if history is None else read_bytes(history),
        )

    @property
    def config(self) -> dict:
        """The configuration, defaults included."""
        return json.loads(self._native.config_json())

    @property
    def classifier(self) -> Classifier:
        """The complaint classifier."""
        return Classifier(self._native.classifier())

    # Classification

    def classify(self, text: str, explain: int = 0) -> Classification:
        """Classifies one complaint text; ``explain`` > 0 lists that many features."""
        return Classification(self._native.classify_dict(text, explain))

    def classify_batch(self, texts: Any, progress: Any = None, output: Optional[str] = None) -> Any:
        """Classifies many texts on all cores without holding the GIL.

        Args:
            texts: a list, pandas/polars Series, pyarrow or numpy array of str.
            progress: True for a tqdm bar, or a ``(done, total)`` callable.
            output: ``"pandas"``, ``"arrow"``, ``"polars"`` or ``"dict"``; by
                default the library of the input (pandas for lists). A pandas
                result keeps the input Series' index, ready to join.

        Returns:
            Columns ``category``, ``confidence``, ``band``, ``work_group``,
            ``severity``, ``uncertain``, ``signals`` (list of signal names).
            In pandas the four text columns are ``Categorical`` and in pyarrow
            dictionary arrays (a few dozen distinct values over millions of rows).

        Raises:
            InvalidInputError: naming the first row that is not a str.
        """
        return _classify_frame(self._native, texts, progress, output)

    def predict_batch(self, texts: Any, progress: Any = None, output: Optional[str] = None) -> Any:
        """The category of many texts and its confidence, on all cores, without
        finding signals: for scoring history in bulk, faster than
        :meth:`classify_batch` (whose answers it shares, bit for bit).

        Args:
            texts, progress, output: as :meth:`classify_batch`.

        Returns:
            Columns ``category``, ``confidence``, ``band``, ``work_group``,
            ``uncertain``: those of :meth:`classify_batch` without ``severity``
            and ``signals``, which need the signals.

        Raises:
            InvalidInputError: naming the first row that is not a str.
        """
        return _classify_frame(self._native, texts, progress, output, whole=False)

    # Repeat detection

    def intake(self, complaint: Record) -> ComplaintIntake:
        """Complaint intake: classifies the text, judges the repeat and remembers it.

        ``complaint`` has ``id``, ``customer_id`` and/or ``phone``, ``received_at``,
        ``channel``, ``status`` (``open``/``closed``) and optionally ``text``,
        ``category``, ``closed_at``.

        Raises:
            InvalidInputError: naming the field; nothing is remembered then.
        """
        return ComplaintIntake(json.loads(self._native.intake_json(_to_json(complaint, self._tz))))

    def check(self, complaint: Record) -> Verdict:
        """The verdict :meth:`intake` would give, without remembering the complaint."""
        return Verdict(json.loads(self._native.check_json(_to_json(complaint, self._tz))))

    def check_many(self, complaints: Sequence[Record]) -> List[Verdict]:
        """The verdicts of many complaints (a queue of intake previews, a
        list of open tickets), in input order, without remembering them:
        the same answers as :meth:`check` one by one, faster against a large
        history (texts are classified on all cores, the history is read for
        many checks side by side).

        Raises:
            InvalidInputError: naming the row and field of the first bad complaint.
        """
        payload = "[" + ",".join(_to_json(complaint, self._tz) for complaint in complaints) + "]"
        return [Verdict(verdict) for verdict in json.loads(self._native.check_many_json(payload))]

    def _columns(self, complaints: Any, columns: Optional[Mapping[str, str]]) -> dict:
        rename = dict(columns or {})
        if isinstance(complaints, list):
            rows = complaints
            data: Any = {field: [row.get(rename.get(field, field)) for row in rows] for field in _COMPLAINT_FIELDS}
            present = {field for field in _COMPLAINT_FIELDS if any(row.get(rename.get(field, field)) is not None for row in rows)}
        else:
            data = complaints
            if hasattr(complaints, "column_names"):  # pyarrow
                names = set(complaints.column_names)
            elif hasattr(complaints, "columns"):  # pandas, polars
                names = set(complaints.columns)
            else:
                names = set(complaints.keys())
            present = {field for field in _COMPLAINT_FIELDS if rename.get(field, field) in names}
        for required in ("id", "received_at", "channel"):
            if required not in present:
                raise InvalidInputError(f"invalid complaints: no {rename.get(required, required)!r} column")

        def column(field: str) -> Any:
            if field not in present:
                return None
            values = data[rename.get(field, field)]
            if field in ("received_at", "closed_at"):
                nanos = time_nanos(values, self._tz)
                return nanos if nanos is not None else time_values(values, self._tz, field)
            if field == "signals":  # lists of names, or texts listing them: read value by value
                return values_of(values)
            # The native layer reads missing values (None, NaN, NaT, NA) itself.
            buffers = arrow_texts(values)
            return buffers if buffers is not None else values_of(values)

        return {field: column(field) for field in _COMPLAINT_FIELDS}

    def label_repeats(
        self,
        complaints: Any,
        columns: Optional[Mapping[str, str]] = None,
        output: Optional[str] = None,
    ) -> Any:
        """Labels a whole data set as if its complaints had arrived in time
        order, against a fresh history (the engine's own is not touched).

        Args:
            complaints: a pandas/polars DataFrame, pyarrow Table, dict of
                columns or list of dicts with the complaint fields as columns.
                ``id``, ``received_at`` and ``channel`` are required; an
                optional ``signals`` column gives each complaint's signals
                (a regulator or media signal escalates a repeat) as a list of
                names, as :meth:`classify_batch` returns them, or a text
                listing them (``"regulator; media"``), missing for none.
            columns: renames, field to column name, e.g. ``{"id": "ticket"}``.
            output: as in :meth:`classify_batch`.

        Returns:
            One row per complaint, in input order (a pandas result keeps the
            input index): ``outcome`` (``judged``/``updated``), ``kind``,
            ``escalated``, ``repeat_count``, ``thread``, ``repeat_of`` (the most
            relevant earlier ticket), ``repeat_category``. In a pandas result
            ``outcome``, ``kind`` and ``repeat_category`` are categorical,
            ``escalated`` is ``boolean`` and ``repeat_count`` ``Int64``, NA
            where there is no value (status updates, no earlier ticket).

        Raises:
            InvalidInputError: naming the row and field of the first invalid complaint.
        """
        native_columns = self._columns(complaints, columns)
        out = default_output(complaints, output)
        if out == "pandas":
            (compact, _) = self._native.label_columns(native_columns, False, None, True)
            if kind_of(complaints) == "pandas":  # its own id column: no list to convert back
                return label_frame(compact, complaints[dict(columns or {}).get("id", "id")], complaints.index)
            return label_frame(compact, native_columns["id"])
        (labels, _) = self._native.label_columns(native_columns, False, None)
        return frame(dict(zip(_LABEL_COLUMNS, labels)), out, None)

    def repeat_summary(
        self,
        complaints: Any,
        columns: Optional[Mapping[str, str]] = None,
        customer_base: Optional[int] = None,
    ) -> RepeatSummary:
        """Labels the data set (as :meth:`label_repeats`) and returns the rates
        overall, by category, channel and month; ``customer_base`` adds
        complaints per 10 thousand customers."""
        (_, summary) = self._native.label_columns(self._columns(complaints, columns), True, customer_base)
        return RepeatSummary(json.loads(summary))

    def customer_counters(
        self, now: Any = None, customer_id: Optional[str] = None, phone: Optional[str] = None
    ) -> Result:
        """The customer's ``complaints``, ``repeats``, ``seconds``, ``escalated``,
        ``open`` counts within the window and ``tendency``, as of ``now``."""
        return Result(json.loads(self._native.customer_counters_json(now_iso(now, self._tz), customer_id, phone)))

    # History

    @property
    def history_len(self) -> int:
        """Number of complaints remembered."""
        return self._native.history_len()

    def compact_history(self, now: Any = None) -> int:
        """Forgets complaints too old to match any more; returns how many."""
        return self._native.compact_history(now_iso(now, self._tz))

    def snapshot_history(self) -> bytes:
        """A versioned, checksummed snapshot of the complaint history."""
        return self._native.snapshot_history()

    def save_history(self, path: PathLike) -> None:
        """Writes the history snapshot atomically; restore with ``Engine(history=path)``."""
        atomic_write(path, self.snapshot_history())

    # Pop-up and scoring

    def pop_up(self, profile: Record, now: Any = None) -> PopUp:
        """The call pop-up for a profile (dict or JSON) at ``now`` (default: the current time).

        Raises:
            InvalidInputError: naming the profile field.
        """
        return PopUp(json.loads(self._native.pop_up_json(_to_json(profile, self._tz), now_iso(now, self._tz))))

    def pop_up_batch(self, profiles: Iterable[Record], now: Any = None, progress: Any = None) -> list:
        """Pop-ups of many profiles on all cores, in input order."""
        texts = [_to_json(profile, self._tz) for profile in profiles]
        callback, close = progress_callback(progress, "pop-up")
        try:
            out = self._native.pop_up_batch_json(texts, now_iso(now, self._tz), callback)
        finally:
            close()
        return [PopUp(json.loads(text)) for text in out]

    def score_profiles(
        self, profiles: Iterable[Record], now: Any = None, progress: Any = None, output: Optional[str] = None
    ) -> Any:
        """Scores many profiles on all cores: one row each with ``customer_id``,
        ``churn_probability``, ``top_intent``, ``top_intent_probability``,
        ``top_opportunity``, ``top_opportunity_score`` and ``opportunities``.

        Raises:
            InvalidInputError: naming the row (``profiles[i]``) and field.
        """
        texts = [_to_json(profile, self._tz) for profile in profiles]
        callback, close = progress_callback(progress, "score")
        try:
            columns = self._native.score_columns(texts, now_iso(now, self._tz), callback)
        finally:
            close()
        return frame(dict(zip(_SCORE_COLUMNS, columns)), default_output(None, output))

    # Audit

    def audit(self, customer: Record) -> list:
        """Cross-system audit of one customer (``customer_id``, ``crm``,
        ``network``, ``billing``): a list of :class:`AuditFinding`."""
        return [AuditFinding(f) for f in json.loads(self._native.audit_json(_to_json(customer, self._tz)))]

    def audit_batch(self, customers: Iterable[Record], output: Optional[str] = None) -> Any:
        """Audit of many customers on all cores: one row per finding with the
        input ``row``, ``customer_id``, ``code``, ``product``, ``severity``,
        ``systems`` and ``detail``."""
        texts = [_to_json(customer, self._tz) for customer in customers]
        columns = self._native.audit_columns(texts)
        return frame(dict(zip(_FINDING_COLUMNS, columns)), default_output(None, output))


__all__: Sequence[str] = []
