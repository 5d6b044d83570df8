//! Complaint columns in from Python and verdict columns out, for batch
//! labelling: whole columns cross the boundary, not a record per row, so
//! that a data frame of a million complaints is converted in a fraction of
//! the time it takes to label it.

use chrono::{DateTime, FixedOffset, Utc};
use pyo3::exceptions::PyKeyError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyFloat, PyList, PyString, PyTuple};
use rayon::prelude::*;

use custinsight::repeat::{BatchLabels, CompactLabel, RepeatKind};
use custinsight::{Channel, ComplaintRef, ComplaintRows, ComplaintStatus, Signal};

use crate::engine::invalid;
use crate::InvalidInputError;

/// Complaint columns as the Python layer passes them, each None when
/// absent. A text column is a list of values (texts, missing as None, NaN,
/// NaT or NA, or anything else, written as Python's `str` writes it) or,
/// from an Arrow string array, the tuple `(offset, length, offsets, data,
/// validity)` of its buffers (int64 offsets, validity None when every value
/// is there). A time column is a list of RFC 3339 texts or, from a
/// `datetime64` column, the bytes of its int64 nanoseconds since the epoch
/// in UTC (little-endian, NaT as the smallest int64). The signals column
/// is a list of values, each missing, a list of signal names, or a text
/// listing them ([`Signal::parse_list`]).
pub struct ComplaintColumns {
    id: Texts,
    customer_id: Option<Texts>,
    phone: Option<Texts>,
    received_at: Times,
    channel: Texts,
    category: Option<Texts>,
    text: Option<Texts>,
    status: Option<Texts>,
    closed_at: Option<Times>,
    signals: Option<Signals>,
}

impl ComplaintColumns {
    /// The columns of a dict of them, by field name.
    pub fn from_dict(columns: &Bound<'_, PyAny>) -> PyResult<Self> {
        let column = |field: &str| columns.get_item(field);
        // An optional column may be None or left out.
        let optional = |field: &str| -> PyResult<Option<Bound<'_, PyAny>>> {
            match column(field) {
                Ok(column) => Ok(Some(column).filter(|column| !column.is_none())),
                Err(err) if err.is_instance_of::<PyKeyError>(columns.py()) => Ok(None),
                Err(err) => Err(err),
            }
        };
        let texts_of = |field: &str| optional(field)?.map(|column| texts(&column, field)).transpose();
        let times_of = |field: &str| optional(field)?.map(|column| times(&column, field)).transpose();
        Ok(ComplaintColumns {
            id: texts(&column("id")?, "id")?,
            customer_id: texts_of("customer_id")?,
            phone: texts_of("phone")?,
            received_at: times(&column("received_at")?, "received_at")?,
            channel: texts(&column("channel")?, "channel")?,
            category: texts_of("category")?,
            text: texts_of("text")?,
            status: texts_of("status")?,
            closed_at: times_of("closed_at")?,
            signals: optional("signals")?.map(|column| signals(&column)).transpose()?,
        })
    }
}

/// A text column: values converted one by one, or an Arrow string array's
/// buffers, read in place.
enum Texts {
    Values(Vec<Option<String>>),
    Arrow(ArrowTexts),
}

/// The buffers of an Arrow `large_string` array, checked once so that
/// reading a value cannot fail: `offsets` has `len + 1` entries, each on a
/// character boundary of `data`, none before the one before it.
struct ArrowTexts {
    offsets: Vec<usize>,
    data: String,
    /// Validity bitmap (least significant bit first) and the array's offset
    /// into it, when some values are missing.
    validity: Option<(Vec<u8>, usize)>,
}

fn texts(column: &Bound<'_, PyAny>, field: &str) -> PyResult<Texts> {
    if let Ok(buffers) = column.cast::<PyTuple>() {
        return arrow_texts(buffers, field).map(Texts::Arrow);
    }
    let list = column
        .cast::<PyList>()
        .map_err(|_| invalid(field, "expected a list of values or Arrow string buffers"))?;
    list.iter()
        .map(|value| text_of(&value))
        .collect::<PyResult<_>>()
        .map(Texts::Values)
}

fn text_of(value: &Bound<'_, PyAny>) -> PyResult<Option<String>> {
    if let Ok(text) = value.cast::<PyString>() {
        return text.extract().map(Some);
    }
    if is_missing(value) {
        Ok(None)
    } else {
        value.str()?.extract().map(Some)
    }
}

/// Whether a value stands for a missing one: None, NaN, pandas' NaT or NA.
fn is_missing(value: &Bound<'_, PyAny>) -> bool {
    // NaN and pandas' NaT are not equal to themselves; pandas' NA is not
    // even a truth value when compared.
    is_none_or_nan(value) || !value.eq(value).unwrap_or(false)
}

/// The cheap part of [`is_missing`]: None, or a float NaN.
fn is_none_or_nan(value: &Bound<'_, PyAny>) -> bool {
    value.is_none()
        || value
            .cast::<PyFloat>()
            .is_ok_and(|number| number.value().is_nan())
}

/// The signals of every row, back to back: row `i`'s are
/// `signals[ends[i - 1]..ends[i]]`. Read up to the first row whose value
/// does not list signals, which is kept with the reason, so that
/// [`ComplaintColumns::table`] reports it in row order with the other fields.
struct Signals {
    signals: Vec<Signal>,
    ends: Vec<u32>,
    first_error: Option<(usize, String)>,
    /// The length of the column.
    rows: usize,
}

impl Signals {
    fn len(&self) -> usize {
        self.rows
    }

    fn of_row(&self, row: usize) -> &[Signal] {
        let start = row.checked_sub(1).map_or(0, |before| self.ends[before]);
        &self.signals[start as usize..self.ends[row] as usize]
    }
}

fn signals(column: &Bound<'_, PyAny>) -> PyResult<Signals> {
    let list = column
        .cast::<PyList>()
        .map_err(|_| invalid("signals", "expected a list of values"))?;
    let mut read = Signals {
        signals: Vec::new(),
        ends: Vec::with_capacity(list.len()),
        first_error: None,
        rows: list.len(),
    };
    for (row, value) in list.iter().enumerate() {
        match signals_of(&value) {
            Ok(signals) => read.signals.extend(signals),
            Err(reason) => {
                read.first_error = Some((row, reason));
                break;
            }
        }
        let end = u32::try_from(read.signals.len()).map_err(|_| invalid("signals", "too many signals"))?;
        read.ends.push(end);
    }
    Ok(read)
}

/// The signals of one value: none when missing; from a text listing their
/// names, or from any other collection of names (a list, a tuple, a numpy
/// array).
fn signals_of(value: &Bound<'_, PyAny>) -> Result<Vec<Signal>, String> {
    let reason = |err: custinsight::Error| match err {
        custinsight::Error::InvalidField { reason, .. } => reason,
        other => other.to_string(),
    };
    // Missing values (None, or NaN in a pandas text column) are by far the
    // most common: told apart before asking for an iterator, which costs an
    // exception when there is none.
    if is_none_or_nan(value) {
        return Ok(Vec::new());
    }
    if let Ok(text) = value.cast::<PyString>() {
        let text = text.to_cow().map_err(|err| err.to_string())?;
        return Signal::parse_list(&text).map_err(reason);
    }
    let not_names = || {
        let kind = value
            .get_type()
            .name()
            .map_or_else(|_| "?".to_owned(), |name| name.to_string());
        format!("expected signal names (a list of them, or a text), got a {kind}")
    };
    // A collection first: comparing a numpy array with itself gives an
    // array, which would pass for a missing value.
    let Ok(items) = value.try_iter() else {
        return if is_missing(value) {
            Ok(Vec::new())
        } else {
            Err(not_names())
        };
    };
    let names: Vec<String> = items
        .map(|item| item.and_then(|item| item.cast_into::<PyString>().map_err(PyErr::from)))
        .map(|item| item.and_then(|name| name.extract::<String>()))
        .collect::<PyResult<_>>()
        .map_err(|_| not_names())?;
    Signal::parse_names(names.iter().map(String::as_str)).map_err(reason)
}

fn arrow_texts(buffers: &Bound<'_, PyTuple>, field: &str) -> PyResult<ArrowTexts> {
    let broken = |reason: &dyn std::fmt::Display| invalid(field, format!("Arrow strings: {reason}"));
    let (offset, len, offsets, data, validity): (usize, usize, Vec<u8>, Vec<u8>, Option<Vec<u8>>) = buffers
        .extract()
        .map_err(|_| broken(&"expected (offset, length, offsets, data, validity)"))?;
    let data = String::from_utf8(data).map_err(|err| broken(&err))?;
    let wanted = offset
        .checked_add(len)
        .and_then(|end| end.checked_add(1))
        .filter(|&end| end.checked_mul(8).is_some_and(|bytes| bytes <= offsets.len()))
        .ok_or_else(|| broken(&"fewer offsets than values"))?;
    let offsets: Vec<usize> = offsets[offset * 8..wanted * 8]
        .chunks_exact(8)
        .map(|at| i64::from_le_bytes(at.try_into().expect("chunks of 8 bytes")))
        .map(|at| usize::try_from(at).ok().filter(|&at| data.is_char_boundary(at)))
        .collect::<Option<_>>()
        .ok_or_else(|| broken(&"an offset is outside the data or inside a character"))?;
    if offsets.windows(2).any(|pair| pair[0] > pair[1]) {
        return Err(broken(&"the offsets are not in order"));
    }
    if let Some(bitmap) = &validity {
        if bitmap.len() * 8 < offset + len {
            return Err(broken(&"the validity bitmap is shorter than the values"));
        }
    }
    Ok(ArrowTexts {
        offsets,
        data,
        validity: validity.map(|bitmap| (bitmap, offset)),
    })
}

impl Texts {
    fn len(&self) -> usize {
        match self {
            Texts::Values(values) => values.len(),
            Texts::Arrow(arrow) => arrow.offsets.len() - 1,
        }
    }

    /// Row `i`'s text, None when missing.
    fn get(&self, i: usize) -> Option<&str> {
        match self {
            Texts::Values(values) => values[i].as_deref(),
            Texts::Arrow(arrow) => {
                let valid = arrow.validity.as_ref().is_none_or(|(bitmap, offset)| {
                    let bit = offset + i;
                    bitmap[bit / 8] & (1 << (bit % 8)) != 0
                });
                valid.then(|| &arrow.data[arrow.offsets[i]..arrow.offsets[i + 1]])
            }
        }
    }
}

/// A time column: texts, or nanoseconds since the epoch in UTC.
enum Times {
    Texts(Texts),
    Nanos(Vec<i64>),
}

fn times(column: &Bound<'_, PyAny>, field: &str) -> PyResult<Times> {
    let Ok(bytes) = column.cast::<PyBytes>() else {
        return texts(column, field).map(Times::Texts);
    };
    let bytes = bytes.as_bytes();
    if bytes.len() % 8 != 0 {
        return Err(invalid(
            field,
            format!("{} bytes are not a whole number of int64 values", bytes.len()),
        ));
    }
    Ok(Times::Nanos(
        bytes
            .chunks_exact(8)
            .map(|value| i64::from_le_bytes(value.try_into().expect("chunks of 8 bytes")))
            .collect(),
    ))
}

impl Times {
    fn len(&self) -> usize {
        match self {
            Times::Texts(texts) => texts.len(),
            Times::Nanos(nanos) => nanos.len(),
        }
    }

    /// The time of row `i`, None when missing; Err with the reason when the
    /// text is not a time.
    fn at(&self, i: usize) -> Result<Option<DateTime<Utc>>, String> {
        match self {
            Times::Nanos(nanos) => {
                Ok((nanos[i] != i64::MIN).then(|| DateTime::from_timestamp_nanos(nanos[i])))
            }
            // As a complaint's JSON is read: RFC 3339 with an offset.
            Times::Texts(texts) => texts
                .get(i)
                .map(|text| {
                    text.parse::<DateTime<FixedOffset>>()
                        .map(|at| at.with_timezone(&Utc))
                        .map_err(|err| format!("{text:?} is not an RFC 3339 time: {err}"))
                })
                .transpose(),
        }
    }
}

/// Complaint columns ready for a batch: the texts as they came, the times,
/// channels and statuses parsed (each row checked once), every row with an
/// id. A batch reads the rows in place ([`ComplaintRows`]): no complaint,
/// and no string, is copied.
pub struct ComplaintTable {
    columns: ComplaintColumns,
    parsed: Vec<Parsed>,
}

/// What a row of [`ComplaintColumns`] holds besides its texts.
struct Parsed {
    received_at: DateTime<Utc>,
    closed_at: Option<DateTime<Utc>>,
    channel: Channel,
    status: ComplaintStatus,
}

impl ComplaintColumns {
    /// The columns as a table; the error names the first invalid row and
    /// its field.
    pub fn table(self) -> PyResult<ComplaintTable> {
        let n = self.id.len();
        for (field, len) in [
            ("received_at", Some(self.received_at.len())),
            ("channel", Some(self.channel.len())),
            ("customer_id", self.customer_id.as_ref().map(Texts::len)),
            ("phone", self.phone.as_ref().map(Texts::len)),
            ("category", self.category.as_ref().map(Texts::len)),
            ("text", self.text.as_ref().map(Texts::len)),
            ("status", self.status.as_ref().map(Texts::len)),
            ("closed_at", self.closed_at.as_ref().map(Times::len)),
            ("signals", self.signals.as_ref().map(Signals::len)),
        ] {
            if let Some(len) = len.filter(|&len| len != n) {
                return Err(invalid(field, format!("{len} values for {n} ids")));
            }
        }
        let parsed = (0..n)
            .into_par_iter()
            .map(|i| self.parse(i))
            .collect::<Result<Vec<Parsed>, String>>()
            .map_err(|_| {
                // The error of the first invalid row, whichever thread saw one first.
                let first = (0..n)
                    .into_par_iter()
                    .find_map_first(|i| self.parse(i).err())
                    .expect("a row failed");
                InvalidInputError::new_err(first)
            })?;
        Ok(ComplaintTable {
            columns: self,
            parsed,
        })
    }

    /// What row `i` holds besides its texts; the error names the row and
    /// the field.
    fn parse(&self, i: usize) -> Result<Parsed, String> {
        let invalid = |field: &str, reason: &str| format!("invalid complaints[{i}]: {field}: {reason}");
        if self.id.get(i).is_none() {
            return Err(invalid("id", "missing"));
        }
        let received_at = self
            .received_at
            .at(i)
            .map_err(|err| invalid("received_at", &err))?
            .ok_or_else(|| invalid("received_at", "missing"))?;
        let channel = match self.channel.get(i) {
            Some(name) => Channel::parse(name)
                .ok_or_else(|| invalid("channel", &format!("{name:?} is not a channel")))?,
            None => return Err(invalid("channel", "missing")),
        };
        if let Some((row, reason)) = self
            .signals
            .as_ref()
            .and_then(|signals| signals.first_error.as_ref())
        {
            if *row == i {
                return Err(invalid("signals", reason));
            }
        }
        let closed_at = match &self.closed_at {
            Some(times) => times.at(i).map_err(|err| invalid("closed_at", &err))?,
            None => None,
        };
        let status = match self.status.as_ref().and_then(|column| column.get(i)) {
            Some("open") => ComplaintStatus::Open,
            Some("closed") => ComplaintStatus::Closed,
            Some(other) => {
                return Err(invalid(
                    "status",
                    &format!("{other:?} is neither open nor closed"),
                ))
            }
            None if closed_at.is_some() => ComplaintStatus::Closed,
            None => ComplaintStatus::Open,
        };
        Ok(Parsed {
            received_at,
            closed_at,
            channel,
            status,
        })
    }
}

impl ComplaintRows for ComplaintTable {
    fn count(&self) -> usize {
        self.parsed.len()
    }

    fn row(&self, row: usize) -> ComplaintRef<'_> {
        fn text(column: &Option<Texts>, row: usize) -> Option<&str> {
            column.as_ref()?.get(row)
        }
        let parsed = &self.parsed[row];
        ComplaintRef {
            id: self.id(row),
            customer_id: self.customer_id(row),
            phone: text(&self.columns.phone, row),
            received_at: parsed.received_at,
            channel: parsed.channel,
            category: self.category(row),
            text: text(&self.columns.text, row),
            status: parsed.status,
            closed_at: parsed.closed_at,
            signals: self
                .columns
                .signals
                .as_ref()
                .map_or(&[], |signals| signals.of_row(row)),
        }
    }

    fn id(&self, row: usize) -> &str {
        self.columns.id.get(row).expect("every row of a table has an id")
    }

    fn customer_id(&self, row: usize) -> Option<&str> {
        self.columns.customer_id.as_ref()?.get(row)
    }

    fn category(&self, row: usize) -> Option<&str> {
        self.columns.category.as_ref()?.get(row)
    }
}

/// The verdict columns as Python lists: outcome, kind, escalated,
/// repeat_count, thread, repeat_of, repeat_category. Ticket ids are the
/// input's own `str` objects when it gave a list of them, and each name is
/// one object, so that a million labels make no million new strings.
pub fn label_lists<'py>(
    py: Python<'py>,
    ids: Option<&Bound<'py, PyList>>,
    complaints: &ComplaintTable,
    batch: &BatchLabels,
) -> PyResult<Vec<Bound<'py, PyList>>> {
    let text = |text: &str| PyString::new(py, text).into_any();
    let none = py.None().into_bound(py);
    let (judged, updated) = (text("judged"), text("updated"));
    let kinds = [
        RepeatKind::New,
        RepeatKind::Repeat,
        RepeatKind::Second,
        RepeatKind::Duplicate,
    ]
    .map(|kind| (kind, text(kind.as_str())));
    let categories: Vec<Bound<'py, PyAny>> = batch.categories.iter().map(|code| text(code)).collect();
    let id_of = |row: u32| -> PyResult<Bound<'py, PyAny>> {
        let given = ids.map(|ids| ids.get_item(row as usize)).transpose()?;
        Ok(match given {
            Some(id) if id.is_instance_of::<PyString>() => id,
            _ => text(complaints.id(row as usize)),
        })
    };
    let mut columns: [Vec<Bound<'py, PyAny>>; 7] = Default::default();
    for column in &mut columns {
        column.reserve_exact(batch.labels.len());
    }
    let [outcome, kind, escalated, repeat_count, thread, repeat_of, category] = &mut columns;
    for label in &batch.labels {
        let Some(judged_kind) = label.kind else {
            outcome.push(updated.clone());
            for column in [
                &mut *kind,
                &mut *escalated,
                &mut *repeat_count,
                &mut *thread,
                &mut *repeat_of,
                &mut *category,
            ] {
                column.push(none.clone());
            }
            continue;
        };
        outcome.push(judged.clone());
        let (_, name) = kinds
            .iter()
            .find(|(kind, _)| *kind == judged_kind)
            .expect("every kind is named");
        kind.push(name.clone());
        escalated.push(PyBool::new(py, label.escalated).to_owned().into_any());
        repeat_count.push(label.repeat_count.into_pyobject(py)?.into_any());
        thread.push(id_of(label.thread)?);
        repeat_of.push(match label.matched {
            Some(row) => id_of(row)?,
            None => none.clone(),
        });
        category.push(match usize::from(label.category).checked_sub(1) {
            Some(index) => categories[index].clone(),
            None => none.clone(),
        });
    }
    columns
        .into_iter()
        .map(|column| PyList::new(py, column))
        .collect()
}

/// The verdict columns as little-endian numbers, for a data frame to take
/// whole: kind (u8: 0 for a status update, then new, repeat, second,
/// duplicate), escalated (u8), repeat_count (u32), thread and repeat_of
/// (i64 rows, -1 for none), repeat_category (i32 into the category codes,
/// -1 for none), and the category codes.
pub fn compact_labels<'py>(py: Python<'py>, batch: &BatchLabels) -> PyResult<Bound<'py, PyTuple>> {
    let labels = &batch.labels;
    let column = |width: usize, write: &dyn Fn(&CompactLabel, &mut Vec<u8>)| {
        let mut bytes = Vec::with_capacity(labels.len() * width);
        for label in labels {
            write(label, &mut bytes);
        }
        PyBytes::new(py, &bytes).into_any()
    };
    // Status updates have no thread, match or category.
    let judged = |label: &CompactLabel, value: i64| if label.kind.is_some() { value } else { -1 };
    let kind = column(1, &|label, out| {
        out.push(match label.kind {
            None => 0,
            Some(RepeatKind::New) => 1,
            Some(RepeatKind::Repeat) => 2,
            Some(RepeatKind::Second) => 3,
            Some(RepeatKind::Duplicate) => 4,
        })
    });
    let escalated = column(1, &|label, out| out.push(u8::from(label.escalated)));
    let repeat_count = column(4, &|label, out| out.extend(label.repeat_count.to_le_bytes()));
    let thread = column(8, &|label, out| {
        out.extend(judged(label, i64::from(label.thread)).to_le_bytes())
    });
    let repeat_of = column(8, &|label, out| {
        let matched = label.matched.map_or(-1, i64::from);
        out.extend(judged(label, matched).to_le_bytes())
    });
    let category = column(4, &|label, out| {
        let index = i64::from(label.category) - 1;
        out.extend((judged(label, index) as i32).to_le_bytes())
    });
    let codes = PyList::new(py, &batch.categories)?.into_any();
    PyTuple::new(
        py,
        [kind, escalated, repeat_count, thread, repeat_of, category, codes],
    )
}
