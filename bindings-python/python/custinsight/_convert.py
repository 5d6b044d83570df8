"""Conversions at the boundary: records to JSON, columns in, columns out.

Times: a ``datetime`` with a time zone, or ISO 8601 text with an offset, is
taken as it is; a naive ``datetime`` or ISO text without an offset is in the
time zone the caller gave the :class:`~custinsight.Engine` (UTC unless told
otherwise).
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import re
from typing import Any, Callable, Mapping, Optional, Sequence, Union

from ._custinsight import InvalidInputError

Record = Union[str, Mapping[str, Any]]

UTC = _dt.timezone.utc
_HAS_OFFSET = re.compile(r"(?:[Zz]|[+-]\d\d:?\d\d)\s*$")


def timezone_of(name: Union[str, _dt.tzinfo, None]) -> _dt.tzinfo:
    """A ``tzinfo`` from a name such as ``"Asia/Shanghai"`` (or one given)."""
    if name is None or name == "UTC":
        return UTC
    if isinstance(name, _dt.tzinfo):
        return name
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo(name)
    except Exception as err:  # zoneinfo raises several kinds
        raise InvalidInputError(f"invalid timezone: {name!r} is not a known time zone ({err})") from None


def _aware(value: _dt.datetime, tz: _dt.tzinfo) -> _dt.datetime:
    return value.replace(tzinfo=tz) if value.tzinfo is None else value


def iso_time(value: Any, tz: _dt.tzinfo, field: str) -> Optional[str]:
    """RFC 3339 text of a time given as ``datetime``, ``date`` or text; None for missing."""
    if value is None:
        return None
    if isinstance(value, str):
        if _HAS_OFFSET.search(value):
            return value
        try:  # ISO text without an offset is local to the engine's time zone
            parsed = _dt.datetime.fromisoformat(value.strip())
        except ValueError:
            return value  # the core names the field and the reason
        return _aware(parsed, tz).isoformat()
    if isinstance(value, _dt.datetime):
        if value != value:  # pandas NaT
            return None
        return _aware(value, tz).isoformat()
    if isinstance(value, _dt.date):
        return _dt.datetime(value.year, value.month, value.day, tzinfo=tz).isoformat()
    if isinstance(value, float) and math.isnan(value):
        return None
    raise InvalidInputError(f"invalid {field}: expected a datetime or ISO 8601 text, got {type(value).__name__}")


def now_iso(now: Any, tz: _dt.tzinfo) -> str:
    """``now`` as RFC 3339 text; the current time when None."""
    if now is None:
        return _dt.datetime.now(UTC).isoformat()
    text = iso_time(now, tz, "now")
    assert text is not None
    return text


def _plain(value: Any, tz: _dt.tzinfo) -> Any:
    if isinstance(value, _dt.datetime):
        return iso_time(value, tz, "time")
    if isinstance(value, _dt.date):
        return value.isoformat()
    item = getattr(value, "item", None)  # numpy scalars
    if item is not None:
        return item()
    raise TypeError(f"{type(value).__name__} is not JSON-serialisable")


def _to_json(record: Record, tz: _dt.tzinfo = UTC) -> str:
    """A record (dict or JSON text) as JSON text; times become RFC 3339."""
    if isinstance(record, str):
        return record
    try:
        return json.dumps(record, ensure_ascii=False, default=lambda value: _plain(value, tz))
    except (TypeError, ValueError) as err:
        raise InvalidInputError(f"record is not JSON-serialisable: {err}") from None


def values_of(column: Any) -> list:
    """A Python list from a list, tuple, pandas/polars Series, pyarrow or numpy array."""
    if isinstance(column, list):
        return column
    if isinstance(column, (str, bytes)):
        raise InvalidInputError("invalid texts: expected a sequence of str, got a single str")
    for method in ("to_pylist", "to_list", "tolist"):
        convert = getattr(column, method, None)
        if convert is not None:
            return convert()
    return list(column)


def time_values(column: Any, tz: _dt.tzinfo, field: str) -> list:
    """RFC 3339 texts (or None) from a column of times."""
    dtype = str(getattr(column, "dtype", ""))
    if dtype.startswith("datetime64") and hasattr(column, "dt"):  # pandas, vectorised
        series = column if column.dt.tz is not None else column.dt.tz_localize(tz)
        texts = series.dt.tz_convert("UTC").dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        return [None if not isinstance(t, str) else t for t in texts.tolist()]
    return [iso_time(value, tz, f"{field}[{i}]") for i, value in enumerate(values_of(column))]


def time_nanos(column: Any, tz: _dt.tzinfo) -> Optional[bytes]:
    """The int64 nanoseconds since the epoch in UTC (NaT the smallest int64)
    of a pandas datetime64 column, as little-endian bytes; None for any other
    column, or times outside what nanoseconds hold (those go as texts)."""
    dtype = str(getattr(column, "dtype", ""))
    if not (dtype.startswith("datetime64") and hasattr(column, "dt")):
        return None
    try:
        series = column if column.dt.tz is not None else column.dt.tz_localize(tz)
        utc = series.dt.tz_convert("UTC").dt.tz_localize(None).astype("datetime64[ns]")
    except (OverflowError, ValueError):  # pandas' OutOfBoundsDatetime is a ValueError
        return None
    return utc.to_numpy().view("int64").astype("<i8", copy=False).tobytes()


def arrow_texts(column: Any) -> Optional[tuple]:
    """The buffers of a column of texts as an Arrow ``large_string`` array:
    ``(offset, length, offsets, data, validity)``, for the native layer to
    read in place. None when pyarrow is not installed or the column is not
    all texts and missing values (it then goes value by value)."""
    try:
        import pyarrow as pa
    except ImportError:
        return None
    try:
        if isinstance(column, (pa.Array, pa.ChunkedArray)):
            array = column
        elif hasattr(column, "to_arrow"):  # polars
            array = column.to_arrow()
        else:  # pandas (no copy when Arrow-backed), numpy, lists
            array = pa.array(column, from_pandas=True)
        if isinstance(array, pa.ChunkedArray):
            array = array.combine_chunks()
        is_view = getattr(pa.types, "is_string_view", lambda _: False)
        if not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type) or is_view(array.type)):
            return None
        array = array.cast(pa.large_string())
    except (pa.ArrowException, TypeError, ValueError):
        return None
    validity, offsets, data = array.buffers()
    return (
        array.offset,
        len(array),
        offsets.to_pybytes(),
        data.to_pybytes() if data is not None else b"",
        validity.to_pybytes() if validity is not None and array.null_count else None,
    )


def kind_of(data: Any) -> str:
    """Which library a data set comes from: pandas, arrow, polars or python."""
    module = type(data).__module__.split(".")[0]
    if module == "pandas":
        return "pandas"
    if module == "pyarrow":
        return "arrow"
    if module == "polars":
        return "polars"
    return "python"


def frame(columns: Mapping[str, list], output: str, index: Any = None) -> Any:
    """Columns as a pandas DataFrame, pyarrow Table, polars DataFrame or dict."""
    if output == "pandas":
        import pandas as pd

        return pd.DataFrame(dict(columns), index=index)
    if output == "arrow":
        import pyarrow as pa

        return pa.table(dict(columns))
    if output == "polars":
        import polars as pl

        return pl.DataFrame(dict(columns))
    if output == "dict":
        return dict(columns)
    raise InvalidInputError(f"invalid output: {output!r} is not one of 'pandas', 'arrow', 'polars', 'dict'")


_REPEAT_KINDS = ["new", "repeat", "second", "duplicate"]


def label_frame(compact: Sequence[Any], ids: Any, index: Any = None) -> Any:
    """The verdict columns of ``label_columns(..., compact=True)`` as a typed
    pandas DataFrame, built whole rather than value by value: ``outcome``,
    ``kind`` and ``repeat_category`` categorical, ``escalated`` boolean and
    ``repeat_count`` Int64 (both NA for status updates), ``thread`` and
    ``repeat_of`` taken from ``ids``, the input's ticket-id column."""
    import numpy as np
    import pandas as pd

    kind, escalated, repeat_count, thread, repeat_of, category, codes = compact
    kinds = np.frombuffer(kind, dtype=np.uint8)
    updated = kinds == 0
    ids = pd.Series(values_of(ids) if isinstance(ids, (list, tuple)) else ids)
    if not pd.api.types.is_string_dtype(ids.dtype):  # ids that were numbers are texts to the core
        ids = ids.astype(str)
    rows = lambda column: np.frombuffer(column, dtype="<i8")  # noqa: E731
    columns = {
        "outcome": pd.Categorical.from_codes(updated.astype(np.int8), ["judged", "updated"]),
        "kind": pd.Categorical.from_codes(kinds.astype(np.int8) - 1, _REPEAT_KINDS),
        "escalated": pd.arrays.BooleanArray(np.frombuffer(escalated, dtype=np.uint8).astype(bool), updated.copy()),
        "repeat_count": pd.arrays.IntegerArray(np.frombuffer(repeat_count, dtype="<u4").astype(np.int64), updated.copy()),
        "thread": ids.array.take(rows(thread), allow_fill=True),
        "repeat_of": ids.array.take(rows(repeat_of), allow_fill=True),
        "repeat_category": pd.Categorical.from_codes(np.frombuffer(category, dtype="<i4"), list(codes)),
    }
    return pd.DataFrame(columns, index=index)


def default_output(data: Any, output: Optional[str]) -> str:
    """The output asked for, or the library the input came from (pandas for plain lists)."""
    if output is not None:
        return output
    kind = kind_of(data)
    if kind != "python":
        return kind
    try:
        import pandas  # noqa: F401

        return "pandas"
    except ImportError:
        return "dict"


def progress_callback(progress: Any, desc: str) -> tuple[Optional[Callable[[int, int], None]], Callable[[], None]]:
    """A ``(done, total)`` callback from ``progress``: None or False (none), True (a
    tqdm bar, when tqdm is installed) or a callable; and a function closing it."""
    if progress is None or progress is False:
        return None, lambda: None
    if callable(progress):
        return progress, lambda: None
    if progress is True:
        try:
            from tqdm.auto import tqdm
        except ImportError:
            raise ImportError("progress=True needs tqdm: pip install tqdm") from None
        bar = tqdm(desc=desc)

        def update(done: int, total: int) -> None:
            bar.total = total
            bar.n = done
            bar.refresh()

        return update, bar.close
    raise InvalidInputError(f"invalid progress: expected None, a bool or a callable, got {type(progress).__name__}")


def atomic_write(path: Any, data: bytes) -> None:
    """Writes ``data`` to ``path`` through a temporary file, fsync and rename."""
    import os
    import tempfile

    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    fd, temp = tempfile.mkstemp(prefix=".custinsight-", dir=directory)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise
    if hasattr(os, "O_DIRECTORY"):
        dir_fd = os.open(directory, os.O_DIRECTORY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def read_bytes(source: Union[bytes, bytearray, memoryview, str, Any]) -> bytes:
    """Bytes given directly, or read from a path."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source)
    with open(source, "rb") as file:
        return file.read()


__all__: Sequence[str] = []
