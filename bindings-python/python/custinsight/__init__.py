"""custinsight: customer insight for telecom and cable operators.

Unified customer profiles built from source-system events, the call pop-up
(call-intent prediction and service opportunities), complaint classification,
repeat-complaint detection and cross-system audit, from a Rust core shared
with the C ABI.

* :class:`Engine` is the façade: ``classify`` / ``classify_batch``,
  ``intake`` / ``check``, ``label_repeats`` / ``repeat_summary``, ``pop_up`` /
  ``pop_up_batch`` / ``score_profiles``, ``audit`` / ``audit_batch``, and the
  complaint history (``save_history``, ``Engine(history=...)``).
* :class:`Classifier` trains, evaluates (:class:`EvaluationReport`), saves and
  loads complaint classifiers; :func:`holdout` and :func:`cross_validate`.
* :class:`ProfileBuilder` and :func:`build_profiles` fold source events into
  profiles; :func:`synthetic_events` and :func:`synthetic_complaints` make
  deterministic test data.

Single records are ``dict`` (or JSON ``str``) in and result objects out
(attributes plus ``to_dict()``); batches are columns in and columns out
(pandas, pyarrow, polars). Naive ``datetime`` values are in the engine's time
zone (``Engine(timezone=...)``, UTC by default).

Errors are subclasses of :class:`custinsight.Error`:
:class:`InvalidInputError` (the message names the bad field or row),
:class:`ConfigError`, :class:`ModelFormatError`, :class:`SnapshotFormatError`
and :class:`TrainingError`.
"""

from __future__ import annotations

import json
from typing import Iterable, Optional

from . import _custinsight
from ._custinsight import (
    ConfigError,
    Error,
    InvalidInputError,
    ModelFormatError,
    SnapshotFormatError,
    TrainingError,
    __version__,
    normalize_phone,
    version,
)
from ._convert import Record, _to_json
from ._engine import (
    AuditFinding,
    Classification,
    Classifier,
    ComplaintIntake,
    Engine,
    EvaluationReport,
    PopUp,
    RepeatSummary,
    Result,
    Verdict,
    cross_validate,
    default_taxonomy,
    holdout,
)

__all__ = [
    "__version__",
    "version",
    "normalize_phone",
    "validate_profile",
    "json_schemas",
    "build_profiles",
    "synthetic_events",
    "synthetic_complaints",
    "ProfileBuilder",
    "Engine",
    "Classifier",
    "EvaluationReport",
    "cross_validate",
    "holdout",
    "default_taxonomy",
    "Result",
    "Classification",
    "ComplaintIntake",
    "Verdict",
    "RepeatSummary",
    "PopUp",
    "AuditFinding",
    "Error",
    "InvalidInputError",
    "ConfigError",
    "ModelFormatError",
    "SnapshotFormatError",
    "TrainingError",
]


def validate_profile(profile: Record) -> dict:
    """Validates a customer profile and returns it in canonical form.

    Raises:
        InvalidInputError: naming the offending field, e.g.
            ``invalid complaints[2].closed_at: ... is before received_at ...``.

    Example:
        >>> validate_profile({"customer_id": "C1", "account": {"balance": 12.5}})["account"]["balance"]
        12.5
    """
    return json.loads(_custinsight.canonical_profile_json(_to_json(profile)))


def json_schemas() -> dict:
    """The JSON Schemas of the profile, event and complaint types, by file name."""
    return {name: json.loads(text) for name, text in _custinsight.json_schemas()}


class ProfileBuilder:
    """Folds source-system events into one unified profile per customer.

    Events may arrive in any order: for single-valued fields the newest event
    wins; lists merge by id; events keyed only by phone number join the
    customer the number belongs to. Thread-safe.

    Example:
        >>> builder = ProfileBuilder()
        >>> builder.add_event({"event_id": "1", "source": "crm", "at": "2026-01-01T00:00:00Z",
        ...                    "customer_id": "C1", "payload": {"type": "identity", "name": "Li"}})
        >>> builder.profile("C1")["identity"]["name"]
        'Li'
    """

    def __init__(self) -> None:
        self._inner = _custinsight.ProfileBuilder()

    def add_event(self, event: Record) -> None:
        """Validates one event and folds it in.

        Raises:
            InvalidInputError: naming the event and field; nothing is changed.
        """
        self._inner.add_event_json(_to_json(event))

    def add_events(self, events: Iterable[Record]) -> dict:
        """Folds many events without stopping at a bad one (the GIL is released).

        Returns:
            ``{"accepted": n, "rejected": [(position, message), ...]}``
        """
        accepted, rejected = self._inner.add_events_json([_to_json(event) for event in events])
        return {"accepted": accepted, "rejected": rejected}

    @property
    def accepted(self) -> int:
        """Number of events accepted so far."""
        return self._inner.accepted

    def profile(self, customer_id: str) -> Optional[dict]:
        """The current profile of ``customer_id``, or None."""
        text = self._inner.profile_json(customer_id)
        return None if text is None else json.loads(text)

    def profile_by_phone(self, phone: str) -> Optional[dict]:
        """The current profile of whoever ``phone`` belongs to, or None."""
        text = self._inner.profile_by_phone_json(phone)
        return None if text is None else json.loads(text)

    def build(self) -> list:
        """Every profile, customers sorted by id; leaves the builder empty."""
        return [json.loads(text) for text in self._inner.take_profiles_json()]


def build_profiles(events: Iterable[Record]) -> list:
    """Folds source-system events (dicts or JSON texts, any order) into one
    profile per customer, sorted by customer id.

    Raises:
        InvalidInputError: naming the position of the first rejected event
            and its field.

    Example:
        >>> build_profiles([{"event_id": "1", "source": "crm", "at": "2026-01-01T00:00:00Z",
        ...                  "customer_id": "C1", "payload": {"type": "identity", "name": "Li"}}])[0]["customer_id"]
        'C1'
    """
    builder = ProfileBuilder()
    report = builder.add_events(events)
    if report["rejected"]:
        position, message = report["rejected"][0]
        raise InvalidInputError(f"events[{position}]: {message}")
    return builder.build()


def synthetic_events(customers: int, seed: int = 20261101, months: int = 6) -> list:
    """A synthetic population's source events (dicts), for trying things out.

    Deterministic: the same arguments give the same events.

    Example:
        >>> len(build_profiles(synthetic_events(3)))
        3
    """
    return [json.loads(text) for text in _custinsight.synthetic_events_json(customers, seed, months)]


def synthetic_complaints(customers: int, seed: int = 20261101, months: int = 6) -> list:
    """The complaints (dicts) of a synthetic population, as a CRM would export them."""
    return [json.loads(text) for text in _custinsight.synthetic_complaints_json(customers, seed, months)]
