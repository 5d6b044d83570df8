"""Writes the bundled sample `data/complaints.csv` from the library's
synthetic generator (deterministic: the same file on every run).

    .venv/bin/python examples/python/make_sample.py
"""

import csv
import pathlib

import custinsight

FIELDS = ["id", "customer_id", "phone", "received_at", "channel", "status", "closed_at", "text", "category"]


def main() -> None:
    out = pathlib.Path(__file__).resolve().parent / "data" / "complaints.csv"
    rows = custinsight.synthetic_complaints(5000, seed=20261101, months=6)
    rows.sort(key=lambda row: (row["received_at"], row["id"]))
    with out.open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=FIELDS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {len(rows)} complaints to {out}")


if __name__ == "__main__":
    main()
