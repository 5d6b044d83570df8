"""Notebook-style: train a complaint classifier on a labelled CSV, evaluate
it on held-out rows, save it, and use it in an engine.

    .venv/bin/python examples/python/train_classifier.py           # bundled sample
    .venv/bin/python examples/python/train_classifier.py data.csv --text narrative --label product

With the default taxonomy, labels must be its category codes; with
``--own-taxonomy`` every distinct label becomes a category (its code is the
label, made a valid ``level1.level2`` code when it is not one).
"""

import argparse
import pathlib
import re
import tempfile

import pandas as pd

import custinsight

SAMPLE = pathlib.Path(__file__).resolve().parent / "data" / "complaints.csv"


def code_of(label: str) -> str:
    if re.fullmatch(r"[a-z0-9_]+\.[a-z0-9_]+", label):
        return label
    slug = re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")[:40] or "other"
    return f"custom.{slug}"


# %% Load the labelled rows
parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("csv", nargs="?", default=SAMPLE, type=pathlib.Path)
parser.add_argument("--text", default="text")
parser.add_argument("--label", default="category")
parser.add_argument("--own-taxonomy", action="store_true")
parser.add_argument("--plot", type=pathlib.Path, help="save the confusion matrix and precision-coverage curve")
args = parser.parse_args()

rows = pd.read_csv(args.csv, dtype=str).dropna(subset=[args.text, args.label])
rows = rows.drop_duplicates(subset=[args.text, args.label])
taxonomy = None
labels = rows[args.label]
if args.own_taxonomy:
    labels = labels.map(code_of)
    taxonomy = [{"code": code, "zh": "", "en": code, "work_group": code.split(".")[0]} for code in sorted(set(labels))]
print(f"{len(rows)} labelled texts, {labels.nunique()} categories")

# %% Honest estimate: train on 80 %, evaluate on the held-out 20 %
report = custinsight.holdout(rows[args.text], labels, taxonomy=taxonomy, test_fraction=0.2, seed=1)
print(report)
print(report.per_category.query("support > 0").round(3).to_string())
point = report.operating_point(0.95)
if point:
    print(f"\nfor 95 % precision answer above confidence {point['threshold']:.2f}: {point['coverage']:.1%} coverage")
if args.plot:
    report.plot().savefig(args.plot)
    print(f"saved {args.plot}")

# %% Final model on every row; save, load, and use it in an engine
model = custinsight.Classifier.train(rows[args.text], labels, taxonomy=taxonomy, progress=True)
with tempfile.TemporaryDirectory() as directory:
    path = pathlib.Path(directory) / "complaints.model"
    model.save(path)
    engine = custinsight.Engine(classifier=custinsight.Classifier.load(path))
    print(f"\nsaved and reloaded the model ({path.stat().st_size} bytes)")
first = rows[args.text].iloc[0]
answer = engine.classify(first, explain=3)
print(f"{first[:60]!r} -> {answer.category} ({answer.confidence:.2f}); "
      f"features: {[f.feature for f in answer.explanation]}")
