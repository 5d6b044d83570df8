"""Tests of the profile part of the custinsight Python package."""

import datetime
import json
import pathlib
import threading

import pytest

import custinsight

SAMPLE = pathlib.Path(__file__).resolve().parents[2] / "examples" / "data" / "sample_events.jsonl"


def sample_events():
    return SAMPLE.read_text(encoding="utf-8").splitlines()


def test_version_matches_the_crate():
    cargo = (pathlib.Path(__file__).resolve().parents[2] / "Cargo.toml").read_text()
    assert f'version = "{custinsight.__version__}"' in cargo
    assert custinsight.version() == custinsight.__version__


def test_normalize_phone():
    assert custinsight.normalize_phone("+86 138-1234-5678") == "13812345678"
    assert custinsight.normalize_phone("(010) 6552 9988") == "01065529988"
    with pytest.raises(custinsight.InvalidInputError, match="invalid phone"):
        custinsight.normalize_phone("138-1234-567x")


def test_exception_hierarchy():
    for name in ["InvalidInputError", "ConfigError", "ModelFormatError", "SnapshotFormatError", "TrainingError"]:
        assert issubclass(getattr(custinsight, name), custinsight.Error)
    assert issubclass(custinsight.Error, Exception)


def test_validate_profile_round_trips_and_names_bad_fields():
    profile = {
        "customer_id": "C1",
        "identity": {"phones": ["13812345678"], "joined_at": "2026-01-02T08:00:00+08:00"},
        "account": {"status": "half_suspended", "balance": -3.5},
    }
    canonical = custinsight.validate_profile(profile)
    assert canonical["account"]["balance"] == -3.5
    assert canonical["identity"]["joined_at"] == "2026-01-02T00:00:00Z"
    assert custinsight.validate_profile(json.dumps(canonical)) == canonical

    with pytest.raises(custinsight.InvalidInputError, match=r"account\.recurring_fee"):
        custinsight.validate_profile({"account": {"recurring_fee": -1}})
    with pytest.raises(custinsight.InvalidInputError, match=r"account\.status"):
        custinsight.validate_profile({"account": {"status": "frozen"}})
    with pytest.raises(custinsight.InvalidInputError, match="not JSON-serialisable"):
        custinsight.validate_profile({"customer_id": object()})


def test_builder_folds_the_sample():
    builder = custinsight.ProfileBuilder()
    report = builder.add_events(sample_events())
    assert report == {"accepted": len(sample_events()), "rejected": []}
    profile = builder.profile("C000000004")
    assert profile["complaints"], "customer 4 of the sample has a complaint"
    assert builder.profile_by_phone("+86 138 0000 0004") == profile
    assert builder.profile("nobody") is None
    profiles = builder.build()
    assert [p["customer_id"] for p in profiles] == [f"C{i:09d}" for i in range(12)]
    assert builder.build() == [], "build leaves the builder empty"


def test_builder_accepts_dicts_with_datetimes_and_reports_bad_rows():
    builder = custinsight.ProfileBuilder()
    at = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
    good = {"event_id": "1", "source": "crm", "at": at, "customer_id": "C1",
            "payload": {"type": "identity", "name": "Li"}}
    bad = {**good, "event_id": "2", "payload": {"type": "account", "credit_limit": -5}}
    report = builder.add_events([good, bad, good])
    assert report["accepted"] == 2
    [(position, message)] = report["rejected"]
    assert position == 1 and "payload.credit_limit" in message
    with pytest.raises(custinsight.InvalidInputError, match="payload.credit_limit"):
        builder.add_event(bad)
    assert builder.profile("C1")["identity"]["name"] == "Li"


def test_builder_from_many_threads_equals_one_thread():
    events = sample_events()
    single = custinsight.ProfileBuilder()
    single.add_events(events)
    shared = custinsight.ProfileBuilder()
    chunks = [events[i::4] for i in range(4)]
    threads = [threading.Thread(target=shared.add_events, args=(chunk,)) for chunk in chunks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert shared.build() == single.build()


def test_json_schemas_are_published():
    schemas = custinsight.json_schemas()
    assert set(schemas) == {"profile.schema.json", "event.schema.json", "complaint.schema.json"}
    assert schemas["profile.schema.json"]["title"] == "CustomerProfile"
