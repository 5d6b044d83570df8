"""Tests of the engine, classifier and batch parts of the custinsight Python package."""

import datetime
import json
import threading
import time

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import custinsight

UTC = datetime.timezone.utc
NOW = "2026-11-01T00:00:00Z"


# Building the built-in classifier is the slow part of an engine (seconds in
# a debug build): build it once and hand it to every engine.
BUILTIN = custinsight.Classifier.builtin()


def Engine(*args, **kwargs):
    kwargs.setdefault("classifier", BUILTIN)
    return custinsight.Engine(*args, **kwargs)


@pytest.fixture(scope="module")
def engine():
    return Engine()


def complaint(ticket, at, text=None, channel="hotline", customer="C1", **more):
    row = {"id": ticket, "customer_id": customer, "received_at": at, "channel": channel, "status": "open"}
    if text is not None:
        row["text"] = text
    row.update(more)
    return row


def complaints_frame():
    return pd.DataFrame(
        {
            "id": ["A", "B", "C", "D"],
            "customer_id": ["C1", "C1", "C2", "C1"],
            "received_at": pd.to_datetime(["2026-11-01 09:00", "2026-11-05 09:00", "2026-11-02 00:00", "2026-11-05 09:01"]),
            "channel": ["app", "regulator", "app", "regulator"],
            "text": ["家里宽带断网两天了", "宽带又断网了，还是没修好", "话费多扣了二十元", "宽带又断网了，还是没修好"],
        },
        index=[100, 101, 102, 103],
    )


# Engine construction and configuration


def test_engine_config_from_dict_json_and_toml(tmp_path):
    assert custinsight.Engine().config["repeat"]["window_days"] == 30
    assert Engine({"repeat": {"window_days": 45}}).config["repeat"]["window_days"] == 45
    assert Engine('{"repeat": {"window_days": 40}}').config["repeat"]["window_days"] == 40
    path = tmp_path / "engine.toml"
    path.write_text("[repeat]\nwindow_days = 60\n")
    assert Engine(path).config["repeat"]["window_days"] == 60
    assert Engine(str(path)).config["repeat"]["window_days"] == 60


def test_bad_configuration_names_the_key(tmp_path):
    with pytest.raises(custinsight.ConfigError, match="repeat.window_days"):
        Engine({"repeat": {"window_days": 0}})
    with pytest.raises(custinsight.ConfigError, match="bill_shok"):
        path = tmp_path / "bad.toml"
        path.write_text("[popup]\nbill_shok = 1\n")
        Engine(path)
    with pytest.raises(custinsight.ConfigError, match="cannot read"):
        Engine(tmp_path / "missing.toml")
    with pytest.raises(custinsight.InvalidInputError, match="timezone"):
        Engine(timezone="Mars/Olympus")


# Classification


def test_classify_one_text_has_attributes_and_to_dict(engine):
    answer = engine.classify("宽带断网三天了，一直没人修，再不修我就投诉到工信部")
    assert answer.category == "broadband.outage"
    assert answer.work_group == "broadband_maintenance"
    assert 0.0 <= answer.confidence <= 1.0
    assert answer.band in ("low", "medium", "high")
    assert "regulator" in [hit.signal for hit in answer.signals]
    assert answer.severity == "critical"
    assert answer.explanation is None
    plain = answer.to_dict()
    assert plain["category"] == "broadband.outage" and isinstance(plain["alternatives"], list)
    assert isinstance(answer, custinsight.Classification) and isinstance(answer, custinsight.Result)
    with pytest.raises(AttributeError):
        answer.category = "x"
    with pytest.raises(AttributeError, match="no field"):
        answer.nothing


def test_classify_explained(engine):
    answer = engine.classify("roaming charges are too high", explain=3)
    assert len(answer.explanation) == 3
    assert all(isinstance(feature.weight, float) for feature in answer.explanation)


TEXTS = ["宽带断网三天了", "my bill is wrong, I was charged twice", "信号差，打不了电话", "套餐变更后资费不对"]


def test_classify_batch_equals_one_by_one_and_keeps_the_index(engine):
    series = pd.Series(TEXTS, index=[7, 8, 9, 10])
    table = engine.classify_batch(series)
    assert isinstance(table, pd.DataFrame)
    assert list(table.index) == [7, 8, 9, 10]
    assert list(table.columns) == ["category", "confidence", "band", "work_group", "severity", "uncertain", "signals"]
    for text, (_, row) in zip(TEXTS, table.iterrows()):
        single = engine.classify(text)
        assert row.category == single.category
        assert row.confidence == pytest.approx(single.confidence)
        assert row.uncertain == single.uncertain
    joined = pd.DataFrame({"text": series}).join(table)
    assert joined.shape == (4, 8)
    assert isinstance(table["category"].dtype, pd.CategoricalDtype)
    assert table["confidence"].dtype == "float64" and table["uncertain"].dtype == bool
    assert list(table["signals"]) == [[hit.signal for hit in engine.classify(t).signals] for t in TEXTS]


def test_classify_batch_from_list_arrow_numpy_and_polars(engine):
    expected = [engine.classify(text).category for text in TEXTS]
    assert list(engine.classify_batch(TEXTS)["category"]) == expected
    arrow = engine.classify_batch(pa.array(TEXTS))
    assert isinstance(arrow, pa.Table) and arrow.column("category").to_pylist() == expected
    assert pa.types.is_dictionary(arrow.schema.field("category").type)
    assert arrow.schema.field("signals").type == pa.list_(pa.string())
    chunked = engine.classify_batch(pa.chunked_array([TEXTS[:2], TEXTS[2:]]))
    assert chunked.column("category").to_pylist() == expected
    import numpy as np

    assert list(engine.classify_batch(np.array(TEXTS, dtype=object))["category"]) == expected
    assert engine.classify_batch(TEXTS, output="dict")["category"] == expected
    polars = pytest.importorskip("polars")
    frame = engine.classify_batch(polars.Series(TEXTS))
    assert isinstance(frame, polars.DataFrame) and frame["category"].to_list() == expected


def test_predict_batch_is_classify_batch_without_severity_and_signals(engine):
    texts = TEXTS + ["宽带\0断网", ""]  # a NUL takes the per-object path
    whole = engine.classify_batch(pd.Series(texts, index=range(3, 3 + len(texts))))
    predicted = engine.predict_batch(pd.Series(texts, index=range(3, 3 + len(texts))))
    assert list(predicted.columns) == ["category", "confidence", "band", "work_group", "uncertain"]
    assert list(predicted.index) == list(whole.index)
    pd.testing.assert_frame_equal(predicted, whole[list(predicted.columns)])
    assert isinstance(predicted["category"].dtype, pd.CategoricalDtype)
    arrow = engine.classifier.predict_batch(pa.array(TEXTS))
    assert arrow.column_names == ["category", "confidence", "band", "work_group", "uncertain"]
    assert arrow.column("category").to_pylist() == [engine.classify(t).category for t in TEXTS]
    as_dict = engine.predict_batch(TEXTS, output="dict")
    assert as_dict["confidence"] == [engine.classify(t).confidence for t in TEXTS]
    assert as_dict["work_group"] == [engine.classify(t).work_group for t in TEXTS]
    with pytest.raises(custinsight.InvalidInputError, match=r"texts\[1\]: expected str, got float"):
        engine.predict_batch(pd.Series(["宽带断网", float("nan")]))


def test_classify_batch_bad_rows_are_named(engine):
    with pytest.raises(custinsight.InvalidInputError, match=r"texts\[1\]: expected str, got float"):
        engine.classify_batch(pd.Series(["宽带断网", float("nan")]))
    with pytest.raises(custinsight.InvalidInputError, match="single str"):
        engine.classify_batch("宽带断网")
    with pytest.raises(custinsight.InvalidInputError, match="output"):
        engine.classify_batch(TEXTS, output="excel")
    assert len(engine.classify_batch([])) == 0
    # A text holding NUL takes the per-object path: the same answers.
    odd = ["宽带\0断网", "my bill is wrong", ""]
    assert list(engine.classify_batch(odd)["category"]) == [engine.classify(t).category for t in odd]
    with pytest.raises(UnicodeEncodeError):
        engine.classify_batch(["bill \ud800 wrong"])


def test_classify_batch_reports_progress(engine):
    calls = []
    texts = TEXTS * 5000
    table = engine.classify_batch(texts, progress=lambda done, total: calls.append((done, total)))
    assert len(table) == len(texts)
    assert calls[0] == (0, len(texts)) and calls[-1] == (len(texts), len(texts))
    assert len(calls) == 3  # 20 000 rows in chunks of 16 384
    pytest.importorskip("tqdm")
    assert len(engine.classify_batch(TEXTS, progress=True)) == len(TEXTS)


def test_batch_releases_the_gil(engine):
    texts = TEXTS * 10_000
    ticks = []
    done = threading.Event()

    def count():
        while not done.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.001)

    counter = threading.Thread(target=count)
    counter.start()
    try:
        time.sleep(0.01)
        start = time.perf_counter()
        engine.classify_batch(texts, output="dict")
        end = time.perf_counter()
    finally:
        done.set()
        counter.join()
    during = [t for t in ticks if start < t < end]
    # The counter thread kept running while the batch was classified.
    assert end - start > 0.05
    assert len(during) > 10, (end - start, len(during))


# Repeat detection


def test_intake_classifies_and_detects_repeats():
    engine = Engine()
    first = engine.intake(complaint("T1", datetime.datetime(2026, 11, 1, 9), "家里宽带断网两天了，一直掉线"))
    assert first.outcome == "judged"
    assert first.classification.category == "broadband.outage"
    assert first.verdict.kind == "new"
    second = engine.intake(complaint("T2", "2026-11-04T09:00:00Z", "宽带又断网了，还是没修好，第三次反映"))
    assert second.verdict.kind == "repeat"
    assert second.verdict.matched[0].id == "T1"
    assert second.verdict.thread == "T1"
    assert engine.history_len == 2
    update = engine.intake(
        complaint("T1", "2026-11-01T09:00:00Z", "家里宽带断网两天了，一直掉线", status="closed", closed_at="2026-11-05T00:00:00Z")
    )
    assert update.outcome == "updated" and update.verdict is None
    assert update.to_dict()["repeat"] == {"outcome": "updated", "id": "T1", "status": "closed"}
    assert isinstance(second.to_dict()["repeat"], dict)


def test_check_does_not_remember():
    engine = Engine()
    engine.intake(complaint("T1", "2026-11-01T09:00:00Z", "家里宽带断网两天了"))
    verdict = engine.check(complaint("T2", "2026-11-03T09:00:00Z", "宽带又断网了"))
    assert verdict.kind == "repeat"
    assert engine.history_len == 1


def test_naive_datetimes_are_in_the_engine_time_zone():
    shanghai = Engine(timezone="Asia/Shanghai")
    shanghai.intake(complaint("T1", datetime.datetime(2026, 11, 1, 8, 0), "家里宽带断网两天了"))
    # 08:00 in Shanghai is 00:00 UTC: 30 days later (the window) it is gone.
    counters = shanghai.customer_counters(now=datetime.datetime(2026, 11, 1, 9), customer_id="C1")
    assert counters.complaints == 1
    utc = Engine()
    utc.intake(complaint("T1", datetime.datetime(2026, 11, 1, 8, 0), "家里宽带断网两天了"))
    aware = datetime.datetime(2026, 11, 1, 8, 30, tzinfo=UTC)
    assert utc.customer_counters(now=aware, customer_id="C1").complaints == 1
    # ISO text without an offset is in the engine's time zone too.
    assert shanghai.customer_counters(now="2026-11-01T08:30:00", customer_id="C1").complaints == 1
    assert shanghai.customer_counters(now="2026-11-01T07:30:00", customer_id="C1").complaints == 0
    assert shanghai.customer_counters(now="2026-11-01T00:30:00+00:00", customer_id="C1").complaints == 1
    # Before receipt (in UTC), it is not counted.
    assert utc.customer_counters(now="2026-11-01T07:00:00Z", customer_id="C1").complaints == 0


def test_check_many_answers_as_check_does_and_remembers_nothing():
    engine = Engine()
    engine.intake(complaint("T1", "2026-11-01T09:00:00Z", "家里宽带断网两天了"))
    probes = [
        complaint("P1", "2026-11-03T09:00:00Z", "宽带又断网了，再不修好我就打12300投诉"),
        complaint("P2", "2026-11-03T09:00:00Z", "话费多扣了二十元", customer="C2"),
        json.dumps(complaint("P3", "2026-11-04T09:00:00Z", "宽带还是断网")),
    ]
    verdicts = engine.check_many(probes)
    assert [v.to_dict() for v in verdicts] == [engine.check(p).to_dict() for p in probes]
    assert [v.kind for v in verdicts] == ["repeat", "new", "repeat"]
    assert verdicts[0].escalated and not verdicts[2].escalated
    assert engine.check_many([]) == []
    bad = [probes[0], complaint("P4", "2026-11-03T09:00:00Z", "x", channel="fax")]
    with pytest.raises(custinsight.InvalidInputError, match=r"complaints at \[1\]\.channel.*fax"):
        engine.check_many(bad)
    keyless = {k: v for k, v in complaint("P5", "2026-11-03T09:00:00Z", "x").items() if k != "customer_id"}
    with pytest.raises(custinsight.InvalidInputError, match=r"complaints\[1\]\.customer_id"):
        engine.check_many([probes[0], keyless])
    assert engine.customer_counters(now="2026-11-05T00:00:00Z", customer_id="C1").complaints == 1


def test_intake_bad_input_names_the_field(engine):
    with pytest.raises(custinsight.InvalidInputError, match="channel"):
        engine.intake(complaint("T9", NOW, channel="fax"))
    with pytest.raises(custinsight.InvalidInputError, match="customer_id|phone"):
        engine.intake({"id": "T9", "received_at": NOW, "channel": "app", "status": "open"})
    with pytest.raises(custinsight.InvalidInputError, match="now"):
        engine.customer_counters(now="yesterday", customer_id="C1")
    with pytest.raises(custinsight.InvalidInputError, match="received_at"):
        Engine().label_repeats([complaint("T1", 12)])


def test_label_repeats_returns_joinable_columns(engine):
    frame = complaints_frame()
    labels = engine.label_repeats(frame)
    assert list(labels.index) == [100, 101, 102, 103]
    assert list(labels.columns) == [
        "outcome",
        "kind",
        "escalated",
        "repeat_count",
        "thread",
        "repeat_of",
        "repeat_category",
    ]
    assert list(labels["kind"]) == ["new", "repeat", "new", "duplicate"]
    assert list(labels["escalated"]) == [False, True, False, True]
    assert labels.loc[101, "repeat_of"] == "A" and labels.loc[101, "thread"] == "A"
    joined = frame.join(labels)
    assert joined.loc[102, "repeat_category"] == "billing.unknown_charge"
    # The engine's own history is untouched.
    assert Engine().label_repeats(frame).equals(labels)


def test_label_repeats_from_arrow_polars_records_and_renamed_columns(engine):
    frame = complaints_frame()
    expected = list(engine.label_repeats(frame)["kind"])
    table = engine.label_repeats(pa.Table.from_pandas(frame, preserve_index=False))
    assert isinstance(table, pa.Table) and table.column("kind").to_pylist() == expected
    records = frame.to_dict("records")
    assert list(engine.label_repeats(records)["kind"]) == expected
    renamed = frame.rename(columns={"id": "ticket", "text": "narrative"})
    assert list(engine.label_repeats(renamed, columns={"id": "ticket", "text": "narrative"})["kind"]) == expected
    polars = pytest.importorskip("polars")
    out = engine.label_repeats(polars.from_pandas(frame))
    assert isinstance(out, polars.DataFrame) and out["kind"].to_list() == expected


def signals_frame(signals):
    """Three complaints of one customer on one issue through the hotline:
    only a regulator or media signal can escalate the two repeats."""
    return pd.DataFrame(
        {
            "id": ["S1", "S2", "S3"],
            "customer_id": ["C1", "C1", "C1"],
            "received_at": pd.to_datetime(["2026-11-01 09:00", "2026-11-03 09:00", "2026-11-05 09:00"], utc=True),
            "channel": ["hotline", "hotline", "hotline"],
            "category": ["broadband.outage"] * 3,
            "signals": signals,
        }
    )


def test_label_repeats_reads_a_signals_column_in_every_form(engine):
    plain = engine.label_repeats(signals_frame([None, None, None]))
    assert list(plain["kind"]) == ["new", "repeat", "repeat"]
    assert list(plain["escalated"]) == [False, False, False]
    # A media signal on the first complaint escalates nothing (no prior);
    # a regulator signal on a repeat does. Lists, tuples, numpy arrays,
    # texts and missing values all read alike.
    forms = [
        [["media"], None, ["regulator", "churn_threat"]],
        [("media",), float("nan"), ("churn_threat", "regulator")],
        [np.array(["media"]), [], np.array(["regulator", "churn_threat"])],
        ["media", "", "churn_threat; regulator"],
        ["media", pd.NA, "regulator,churn_threat"],
    ]
    for signals in forms:
        labels = engine.label_repeats(signals_frame(signals))
        assert list(labels["escalated"]) == [False, False, True], signals
        assert list(labels["kind"]) == ["new", "repeat", "repeat"], signals
    # Signals that do not escalate leave the flag alone.
    calm = engine.label_repeats(signals_frame([None, ["legal", "repeat_mention"], "churn_threat"]))
    assert list(calm["escalated"]) == [False, False, False]
    # Without signals, a complaint's text is read for them, as intake reads it.
    texted = signals_frame([None, None, None]).drop(columns=["signals"])
    texted["text"] = ["家里宽带断网两天了", "宽带还是断网", "宽带又断网了，再不修好我就打12300投诉"]
    assert list(engine.label_repeats(texted)["escalated"]) == [False, False, True]
    texted["signals"] = [None, None, ["legal"]]  # given signals are taken as they are
    assert list(engine.label_repeats(texted)["escalated"]) == [False, False, False]


def test_label_repeats_signals_agree_with_intake_and_cross_every_container():
    frame = signals_frame([None, ["media"], None])
    streaming = Engine()
    escalated = []
    for row in frame.to_dict("records"):
        row.update(received_at=row["received_at"].isoformat(), signals=row["signals"] or [], status="open")
        escalated.append(streaming.intake(row).verdict.escalated)
    assert escalated == [False, True, False]
    assert list(Engine().label_repeats(frame)["escalated"]) == escalated
    table = pa.Table.from_pandas(frame, preserve_index=False)  # a list<string> column
    assert pa.types.is_list(table.schema.field("signals").type)
    assert Engine().label_repeats(table).column("escalated").to_pylist() == escalated
    assert list(Engine().label_repeats(frame.to_dict("records"))["escalated"]) == escalated
    polars = pytest.importorskip("polars")
    out = Engine().label_repeats(polars.from_pandas(frame))
    assert out["escalated"].to_list() == escalated


def test_label_repeats_names_the_row_of_a_bad_signal(engine):
    with pytest.raises(custinsight.InvalidInputError, match=r"complaints\[1\]: signals: .*'press'|complaints\[1\]: signals: .*\"press\""):
        engine.label_repeats(signals_frame([None, ["regulator", "press"], "journalist"]))
    with pytest.raises(custinsight.InvalidInputError, match=r"complaints\[2\]: signals: expected signal names.*int"):
        engine.label_repeats(signals_frame([None, "media", 7]))
    # The first bad row is named whichever field is bad in it.
    frame = signals_frame([None, None, "journalist"])
    frame.loc[0, "channel"] = "fax"
    with pytest.raises(custinsight.InvalidInputError, match=r"complaints\[0\]: channel"):
        engine.label_repeats(frame)
    frame = signals_frame(["journalist", None, None])
    frame.loc[2, "channel"] = "fax"
    with pytest.raises(custinsight.InvalidInputError, match=r"complaints\[0\]: signals"):
        engine.label_repeats(frame)


def test_label_repeats_names_the_bad_row(engine):
    frame = complaints_frame()
    frame.loc[102, "channel"] = "fax"
    with pytest.raises(custinsight.InvalidInputError, match=r"complaints\[2\].*fax"):
        engine.label_repeats(frame)
    with pytest.raises(custinsight.InvalidInputError, match="'channel' column"):
        engine.label_repeats(complaints_frame().drop(columns=["channel"]))


def test_label_repeats_reads_datetime_columns_as_the_times_they_are():
    # A close three days later on the first ticket makes the third a second
    # complaint, not a repeat: the close times must be read, NaT as open.
    def frame(received, closed):
        return pd.DataFrame(
            {
                "id": ["A", "B", "C"],
                "customer_id": ["C1", "C2", "C1"],
                "received_at": received,
                "channel": ["hotline", "app", "hotline"],
                "category": ["broadband.outage"] * 3,
                "closed_at": closed,
            }
        )

    naive = frame(
        pd.to_datetime(["2026-11-01 09:00", "2026-11-01 10:00", "2026-11-05 09:00"]),
        pd.to_datetime(["2026-11-04 09:00", None, None]),
    )
    texts = frame(
        ["2026-11-01T09:00:00+08:00", "2026-11-01T10:00:00+08:00", "2026-11-05T09:00:00+08:00"],
        ["2026-11-04T09:00:00+08:00", None, None],
    )
    shanghai = Engine(timezone="Asia/Shanghai")
    labels = shanghai.label_repeats(naive)
    assert list(labels["kind"]) == ["new", "new", "second"]
    assert labels.equals(shanghai.label_repeats(texts))
    # Aware times keep their own zone, whatever the engine's; microseconds too.
    aware = naive.assign(
        received_at=naive["received_at"].dt.tz_localize("Asia/Shanghai").dt.tz_convert("America/New_York"),
        closed_at=naive["closed_at"].dt.tz_localize("Asia/Shanghai").astype("datetime64[us, UTC]"),
    )
    assert Engine().label_repeats(aware).equals(labels)
    # Naive times are in the engine's zone: closed at 09:00 in Shanghai is
    # before 03:00 UTC, at 09:00 UTC it is after.
    mixed = frame(
        ["2026-11-01T01:00:00Z", "2026-11-01T02:00:00Z", "2026-11-04T03:00:00Z"],
        pd.to_datetime(["2026-11-04 09:00", None, None]),
    )
    assert list(shanghai.label_repeats(mixed)["kind"]) == ["new", "new", "second"]
    assert list(Engine().label_repeats(mixed)["kind"]) == ["new", "new", "repeat"]
    # The close time decides: a day later the first ticket is still open.
    reopened = naive.assign(closed_at=pd.to_datetime(["2026-11-06 09:00", None, None]))
    assert list(shanghai.label_repeats(reopened)["kind"]) == ["new", "new", "repeat"]


def test_label_repeats_pandas_columns_are_typed_and_equal_the_plain_ones(engine):
    frame = complaints_frame()
    # Ticket A again, closed: a status update, with no verdict.
    update = frame.loc[[100]].assign(received_at=pd.Timestamp("2026-11-06 09:00"), status="closed")
    frame = pd.concat([frame.assign(status="open"), update.set_axis([104])])
    labels = engine.label_repeats(frame)
    plain = engine.label_repeats(frame, output="dict")
    assert list(labels.index) == [100, 101, 102, 103, 104]
    assert plain["outcome"] == ["judged"] * 4 + ["updated"]
    for name in plain:
        assert [None if pd.isna(value) else value for value in labels[name]] == plain[name], name
    assert str(labels["kind"].dtype) == "category" and str(labels["escalated"].dtype) == "boolean"
    assert str(labels["repeat_count"].dtype) == "Int64"
    assert labels.loc[104, ["kind", "escalated", "repeat_count", "thread"]].isna().all()


def test_label_repeats_reads_arrow_texts_sliced_chunked_and_with_gaps(engine):
    frame = complaints_frame()
    expected = engine.label_repeats(frame, output="dict")
    # A table of several chunks, each a slice of a larger array (offset > 0).
    padded = pa.Table.from_pandas(pd.concat([frame, frame]), preserve_index=False).slice(1, 5)
    chunked = pa.concat_tables([padded.slice(3, 1), padded.slice(4, 1)])
    table = pa.concat_tables([pa.Table.from_pandas(frame.iloc[:2], preserve_index=False), chunked.slice(0, 0),
                              pa.Table.from_pandas(frame.iloc[2:], preserve_index=False)])
    assert table.column("id").num_chunks > 1
    assert engine.label_repeats(table, output="dict") == expected
    sliced = pa.Table.from_pandas(pd.concat([frame.iloc[:1], frame]), preserve_index=False).combine_chunks().slice(1)
    assert sliced.column("id").chunk(0).offset == 1
    assert engine.label_repeats(sliced, output="dict") == expected
    # Arrays sliced past their first value, given as they are.
    arrays = {name: pa.array(["pad", *frame[name].astype(str)], type=pa.large_string()).slice(1) for name in ["id", "customer_id", "channel", "text"]}
    assert arrays["id"].offset == 1
    assert engine.label_repeats({**arrays, "received_at": list(frame["received_at"])}, output="dict") == expected
    # Missing texts in an Arrow column (a validity bitmap) are missing values.
    gaps = frame.assign(category=pd.array(["broadband.outage", None, None, None], dtype="string[pyarrow]"))
    assert list(engine.label_repeats(gaps)["repeat_category"])[0] == "broadband.outage"


def test_label_columns_rejects_broken_arrow_buffers(engine):
    def columns(ids):
        return {"id": ids, "customer_id": None, "phone": ["1380013800%d" % i for i in range(2)],
                "received_at": ["2026-11-01T09:00:00Z"] * 2, "channel": ["app"] * 2, "category": ["billing.roaming"] * 2,
                "text": None, "status": None, "closed_at": None}

    def offsets(*values):
        return b"".join(value.to_bytes(8, "little", signed=True) for value in values)

    assert engine._native.label_columns(columns((0, 2, offsets(0, 1, 2), b"AB", None)))[0][1] == ["new", "new"]
    # From the second value on, the second missing: no id.
    with pytest.raises(custinsight.InvalidInputError, match=r"complaints\[1\]: id: missing"):
        engine._native.label_columns(columns((1, 2, offsets(0, 1, 2, 3), b"XAB", bytes([0b011]))))
    assert engine._native.label_columns(columns((1, 2, offsets(0, 1, 2, 3), b"XAB", bytes([0b110]))))[0][4] == ["A", "B"]
    for broken, reason in [
        ((0, 2, offsets(0, 1), b"AB", None), "fewer offsets"),
        ((1, 2, offsets(0, 1, 2), b"AB", None), "fewer offsets"),
        ((0, 2, offsets(0, 1, 3), b"AB", None), "outside the data"),
        ((0, 2, offsets(0, 2, 1), b"AB", None), "not in order"),
        ((0, 2, offsets(0, -1, 2), b"AB", None), "outside the data"),
        ((0, 2, offsets(0, 1, 4), "é".encode() + b"AB", None), "inside a character"),
        ((0, 2, offsets(0, 1, 2), b"\xff\xfe", None), "utf-8"),
        ((0, 9, offsets(*range(10)), b"ABCDEFGHI", b"\xff"), "validity"),
    ]:
        with pytest.raises(custinsight.InvalidInputError, match=f"(?i)invalid id: Arrow strings.*{reason}"):
            engine._native.label_columns(columns(broken))


def test_label_repeats_reads_missing_and_non_text_values():
    frame = pd.DataFrame(
        {
            "id": [7, 8, 9],
            "customer_id": [42, 42, None],
            "phone": [None, float("nan"), "13800138000"],
            "received_at": ["2026-11-01T09:00:00Z", "2026-11-02T09:00:00Z", "2026-11-03T09:00:00Z"],
            "channel": ["hotline", "hotline", "app"],
            "category": ["billing.roaming", "billing.roaming", float("nan")],
            "text": [None, None, "话费多扣了二十元"],
            "status": ["open", None, "open"],
        }
    )
    labels = Engine().label_repeats(frame, output="dict")
    assert labels["kind"] == ["new", "repeat", "new"]
    # Ids that were numbers come back as the texts the core compared.
    assert labels["thread"] == ["7", "7", "9"] and labels["repeat_of"] == [None, "7", None]
    # A missing category is the classifier's to give, from the text.
    assert labels["repeat_category"] == ["billing.roaming", "billing.roaming", "billing.unknown_charge"]


def test_label_repeats_names_the_first_bad_row_of_many():
    frame = complaints_frame()
    frame["channel"] = ["app", "fax", "app", "pager"]
    for _ in range(5):
        with pytest.raises(custinsight.InvalidInputError, match=r"complaints\[1\]: channel: \"fax\""):
            Engine().label_repeats(frame)


def test_repeat_summary_rates_and_frames(engine):
    summary = engine.repeat_summary(complaints_frame(), customer_base=10_000)
    assert summary.overall.complaints == 3 and summary.overall.duplicates == 1
    assert summary.overall.repeat_rate == pytest.approx(1 / 3)
    assert summary.overall.per_10k_customers == pytest.approx(3.0)
    by_channel = summary.frame("channel")
    assert by_channel.loc["regulator", "escalated"] == 1
    assert list(summary.frame("month").index) == ["2026-11"]
    assert "broadband.outage" in summary.frame("category").index
    with pytest.raises(custinsight.InvalidInputError, match="by"):
        summary.frame("week")
    with pytest.raises(custinsight.InvalidInputError, match="customer_base"):
        engine.repeat_summary(complaints_frame(), customer_base=0)


def test_repeat_summary_plot_returns_a_figure(engine):
    pytest.importorskip("matplotlib")
    from matplotlib.figure import Figure

    figure = engine.repeat_summary(complaints_frame()).plot()
    assert isinstance(figure, Figure) and len(figure.axes) == 2


# History


def test_history_snapshot_round_trip_and_compaction(tmp_path):
    engine = Engine()
    engine.intake(complaint("T1", "2026-11-01T09:00:00Z", "家里宽带断网两天了"))
    path = tmp_path / "history.bin"
    engine.save_history(path)
    assert path.read_bytes() == engine.snapshot_history()
    assert [p.name for p in tmp_path.iterdir()] == ["history.bin"]  # no temporary left behind
    restored = Engine(history=path)
    assert restored.history_len == 1
    later = complaint("T2", "2026-11-03T09:00:00Z", "宽带又断网了")
    assert restored.check(later) == engine.check(later)
    assert Engine(history=engine.snapshot_history()).history_len == 1
    with pytest.raises(custinsight.SnapshotFormatError):
        Engine(history=engine.snapshot_history()[:10])
    with pytest.raises(custinsight.ConfigError, match="repeat"):
        Engine({"repeat": {"window_days": 10}}, history=path)
    assert restored.compact_history(now=datetime.datetime(2027, 1, 1)) == 1
    assert restored.history_len == 0


# Profiles, pop-up, scoring, audit


@pytest.fixture(scope="module")
def profiles():
    return custinsight.build_profiles(custinsight.synthetic_events(20, seed=7))


def test_build_profiles_and_synthetic_data(profiles):
    assert len(profiles) == 20
    assert profiles[0]["customer_id"] == "C000000000"
    assert custinsight.synthetic_events(2, seed=7) == custinsight.synthetic_events(2, seed=7)
    complaints = custinsight.synthetic_complaints(200, seed=7)
    assert complaints and all({"id", "received_at", "channel"} <= set(c) for c in complaints)
    bad = custinsight.synthetic_events(1)
    bad[1]["payload"]["type"] = "nothing"
    with pytest.raises(custinsight.InvalidInputError, match=r"events\[1\]"):
        custinsight.build_profiles(bad)


def test_pop_up_for_a_profile_dict(engine, profiles):
    popup = engine.pop_up(profiles[0], now=datetime.datetime(2026, 11, 1))
    assert isinstance(popup, custinsight.PopUp)
    assert popup.customer_id == "C000000000"
    assert popup.at.startswith("2026-11-01T00:00:00")
    assert popup.call_intents and 0 <= popup.call_intents[0].probability <= 1
    for opportunity in popup.opportunities:
        assert opportunity.script.zh and opportunity.script.en
    assert json.loads(json.dumps(popup.to_dict())) == popup.to_dict()
    with pytest.raises(custinsight.InvalidInputError, match="customer_id|field|invalid"):
        engine.pop_up({"customer_id": 5}, now=NOW)


def test_pop_up_batch_and_score_profiles(engine, profiles):
    popups = engine.pop_up_batch(profiles, now=NOW)
    assert [p.customer_id for p in popups] == [p["customer_id"] for p in profiles]
    assert popups[3] == engine.pop_up(profiles[3], now=NOW)
    scores = engine.score_profiles(profiles, now=NOW)
    assert list(scores["customer_id"]) == [p["customer_id"] for p in profiles]
    top = [p.opportunities[0].kind if p.opportunities else None for p in popups]
    assert [None if pd.isna(kind) else kind for kind in scores["top_opportunity"]] == top
    assert isinstance(engine.score_profiles(profiles, now=NOW, output="arrow"), pa.Table)
    calls = []
    engine.score_profiles(profiles, now=NOW, progress=lambda d, t: calls.append((d, t)))
    assert calls[-1] == (20, 20)
    broken = [profiles[0], {"customer_id": "C9", "account": {"balance": "lots"}}]
    with pytest.raises(custinsight.InvalidInputError, match=r"profiles\[1\]"):
        engine.score_profiles(broken, now=NOW)


AUDIT = {
    "customer_id": "C1",
    "crm": {"status": "active", "products": ["iptv"]},
    "network": {"barring": "none", "services": []},
    "billing": {"charged": [{"product": "iptv", "amount": 10}]},
}


def test_audit_one_and_batch(engine):
    findings = engine.audit(AUDIT)
    assert [f.code for f in findings] == ["charged_not_provisioned"]
    assert findings[0].product == "iptv" and findings[0].severity == "high"
    clean = {"customer_id": "C2", "crm": {"status": "active"}, "network": {}, "billing": {}}
    table = engine.audit_batch([AUDIT, clean, AUDIT])
    assert list(table["row"]) == [0, 2]
    assert list(table["code"]) == ["charged_not_provisioned"] * 2
    assert "billing" in table["systems"][0]
    with pytest.raises(custinsight.InvalidInputError, match=r"inputs\[1\]"):
        engine.audit_batch([AUDIT, {"crm": {"status": "zombie"}}])


# Training and evaluation


def labelled_examples():
    rows = custinsight.synthetic_complaints(400, seed=3)
    texts = [r["text"] for r in rows]
    labels = [r["category"] for r in rows]
    return texts, labels


def test_train_save_load_and_evaluate(tmp_path):
    texts, labels = labelled_examples()
    calls = []
    model = custinsight.Classifier.train(texts, labels, options={"seed": 1}, progress=lambda d, t: calls.append(d))
    assert calls == [0, 1]
    path = tmp_path / "model.bin"
    model.save(path)
    loaded = custinsight.Classifier.load(path)
    assert loaded.to_bytes() == model.to_bytes()
    assert loaded.classify(texts[0]).category == model.classify(texts[0]).category
    report = loaded.evaluate(pd.Series(texts), pd.Series(labels))
    assert report.accuracy > 0.8
    per_category = report.per_category
    assert {"work_group", "support", "precision", "recall", "f1"} <= set(per_category.columns)
    assert per_category["support"].sum() == len(texts)
    assert report.confusion.values.sum() == len(texts)
    assert list(report.confusion.index) == report.labels
    curve = report.precision_coverage()
    assert len(curve) == 101 and curve["coverage"].iloc[0] == 1.0
    point = report.operating_point(0.5)
    assert point is not None and point["precision"] >= 0.5
    abstention = report.abstention(0.99)
    stricter = loaded.with_thresholds(abstention["thresholds"])
    assert stricter.thresholds["uncertain_below"] == pytest.approx(abstention["thresholds"]["uncertain_below"])
    assert "accuracy" in repr(report) and report.to_dict()["accuracy"] == report.accuracy
    engine = Engine(classifier=loaded)
    assert engine.classify(texts[1]).category == loaded.classify(texts[1]).category
    assert list(engine.classifier.classify_batch(texts[:3])["category"]) == [
        loaded.classify(t).category for t in texts[:3]
    ]


def test_training_with_own_taxonomy_and_errors():
    taxonomy = [
        {"code": "tv.no_picture", "zh": "", "en": "no picture", "work_group": "tv_team"},
        {"code": "tv.remote", "zh": "", "en": "remote", "work_group": "shop"},
    ]
    texts = ["电视没有画面", "the tv shows a black screen", "遥控器坏了", "my remote control is broken"]
    labels = ["tv.no_picture", "tv.no_picture", "tv.remote", "tv.remote"]
    model = custinsight.Classifier.train(texts, labels, taxonomy=taxonomy)
    assert model.classify("电视黑屏没有画面").category == "tv.no_picture"
    assert [c["code"] for c in model.taxonomy] == ["tv.no_picture", "tv.remote"]
    with pytest.raises(custinsight.InvalidInputError, match=r"examples\[1\]|labels"):
        custinsight.Classifier.train(texts, ["tv.remote", "tv.bogus", "tv.remote", "tv.remote"], taxonomy=taxonomy)
    with pytest.raises(custinsight.InvalidInputError, match=r"labels\[2\]"):
        custinsight.Classifier.train(texts, ["tv.remote", "tv.remote", None, "tv.remote"], taxonomy=taxonomy)
    with pytest.raises(custinsight.InvalidInputError, match="3 labels for 4 texts"):
        custinsight.Classifier.train(texts, labels[:3], taxonomy=taxonomy)
    with pytest.raises(custinsight.TrainingError):
        custinsight.Classifier.train(texts[:1], labels[:1], taxonomy=taxonomy)
    with pytest.raises(custinsight.ConfigError, match="epochs"):
        custinsight.Classifier.train(texts, labels, taxonomy=taxonomy, options={"epochs": 0})
    with pytest.raises(custinsight.ModelFormatError):
        custinsight.Classifier.from_bytes(model.to_bytes()[:-3])
    assert len(custinsight.default_taxonomy()) == 24
    assert custinsight.Classifier.builtin().taxonomy == custinsight.default_taxonomy()


def test_holdout_and_cross_validate():
    texts, labels = labelled_examples()
    held = custinsight.holdout(texts, labels, test_fraction=0.25, seed=1)
    assert held.per_category["support"].sum() == pytest.approx(len(texts) / 4, rel=0.2)
    crossed = custinsight.cross_validate(texts, labels, folds=3, seed=1)
    assert crossed.confusion.values.sum() == len(texts)
    with pytest.raises(custinsight.ConfigError, match="folds"):
        custinsight.cross_validate(texts, labels, folds=1)


def test_evaluation_plot_returns_a_figure():
    pytest.importorskip("matplotlib")
    from matplotlib.figure import Figure

    texts, labels = labelled_examples()
    figure = custinsight.Classifier.builtin().evaluate(texts[:100], labels[:100]).plot()
    assert isinstance(figure, Figure) and len(figure.axes) >= 2


def test_evaluation_report_frames_and_per_category_abstention():
    texts, labels = labelled_examples()
    report = custinsight.Classifier.builtin().evaluate(texts[:200], labels[:200])
    assert report.to_frame().equals(report.per_category)
    code = report.per_category["support"].idxmax()
    abstention = report.abstention(per_category={code: 0.99})
    assert code in abstention["thresholds"]["per_category"]
    assert len(report.precision_coverage(code)) == 101
    with pytest.raises(custinsight.InvalidInputError):
        report.precision_coverage("no.such")
    with pytest.raises(custinsight.ConfigError):
        report.abstention(1.5)


def test_analyst_example_runs_on_the_bundled_sample(tmp_path):
    import pathlib
    import subprocess
    import sys

    root = pathlib.Path(__file__).resolve().parents[2]
    plot = tmp_path / "rates.png"
    args = [sys.executable, str(root / "examples" / "python" / "analyst.py")]
    if importlib_available("matplotlib"):
        args += ["--plot", str(plot)]
    done = subprocess.run(args, capture_output=True, text=True, timeout=300, check=True)
    assert "By category:" in done.stdout and "By channel:" in done.stdout
    assert "hotline" in done.stdout
    assert plot.exists() == importlib_available("matplotlib")


def importlib_available(name):
    import importlib.util

    return importlib.util.find_spec(name) is not None
