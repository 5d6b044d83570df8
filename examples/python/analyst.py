"""An analyst's pass over a CSV of complaints: classify every text, label
repeat, second and escalated complaints, and print the rates per category
and per channel.

    .venv/bin/python examples/python/analyst.py                   # bundled sample
    .venv/bin/python examples/python/analyst.py my_export.csv --plot rates.png

The CSV needs the columns id, customer_id (or phone), received_at, channel,
and text; status and closed_at are optional (a row with an id seen before is
a status update of that ticket). Any category column is ignored: the text is
classified.
"""

import argparse
import pathlib

import pandas as pd

import custinsight

SAMPLE = pathlib.Path(__file__).resolve().parent / "data" / "complaints.csv"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", nargs="?", default=SAMPLE, type=pathlib.Path)
    parser.add_argument("--timezone", default="UTC", help="time zone of times without an offset")
    parser.add_argument("--plot", type=pathlib.Path, help="save the rates by category and month here")
    args = parser.parse_args()

    complaints = pd.read_csv(args.csv, dtype=str, keep_default_na=False, na_values=[""])
    complaints = complaints.drop(columns=["category"], errors="ignore")
    engine = custinsight.Engine(timezone=args.timezone)

    classified = engine.classify_batch(complaints["text"].fillna(""))
    labels = engine.label_repeats(complaints)
    table = complaints.join(classified).join(labels)
    summary = engine.repeat_summary(complaints)

    pd.set_option("display.width", 140)
    print(f"{len(table)} rows, {summary.overall.complaints} distinct complaints, "
          f"{summary.overall.duplicates} duplicates, {summary.updates} status updates")
    print(f"repeat rate {summary.overall.repeat_rate:.1%}, second rate {summary.overall.second_rate:.1%}, "
          f"escalation rate {summary.overall.escalation_rate:.1%}; "
          f"{(classified['uncertain']).mean():.1%} of texts left for a person (uncertain)\n")
    rates = ["complaints", "repeats", "seconds", "escalated", "repeat_rate", "second_rate", "escalation_rate"]
    for by in ("category", "channel"):
        frame = summary.frame(by)[rates].sort_values("complaints", ascending=False)
        print(f"By {by}:")
        print(frame.to_string(float_format=lambda x: f"{x:.3f}"))
        print()
    escalated = table[table["escalated"] == True]  # noqa: E712 (None for updates)
    print("Escalated complaints (first 5):")
    print(escalated[["id", "customer_id", "channel", "category", "kind", "repeat_of"]].head().to_string())
    if args.plot:
        summary.plot().savefig(args.plot)
        print(f"\nsaved {args.plot}")


if __name__ == "__main__":
    main()
