"""scikit-learn peers of the custinsight churn model, on the same rows and folds.

Run `cargo run --release --example churn_eval` first: it writes the
de-duplicated data sets with their stratified fold column to
target/churn-eval/{iranian,iranian_profile_features,ibm}_folds.csv. This script scores
LogisticRegression, GradientBoostingClassifier and
HistGradientBoostingClassifier (all defaults, seed 0) on exactly those folds
and prints the mean ROC AUC and precision at the top decile, as the Rust
example does.

    /work/venv-churn/bin/python benches/peers/churn_peers.py
"""

import math
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.ensemble import GradientBoostingClassifier, HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "target" / "churn-eval"
SHARED_IRANIAN = ROOT.parent / "shared" / "data" / "telco-churn-iranian-uci" / "Customer_Churn.csv"


def precision_at_top(scores, labels, fraction=0.1):
    # Same rule as custinsight::churn::precision_at_top: ceil(n * fraction)
    # rows, ties broken by input order.
    order = sorted(range(len(scores)), key=lambda i: (-scores[i], i))
    top = max(1, min(len(scores), math.ceil(len(scores) * fraction)))
    return sum(labels[i] for i in order[:top]) / top


def peers():
    return {
        "LogisticRegression": lambda: make_pipeline(
            SimpleImputer(strategy="median"), StandardScaler(), LogisticRegression(max_iter=2000)
        ),
        "GradientBoostingClassifier": lambda: make_pipeline(
            SimpleImputer(strategy="median"), GradientBoostingClassifier(random_state=0)
        ),
        "HistGradientBoostingClassifier": lambda: HistGradientBoostingClassifier(random_state=0),
    }


def evaluate(name):
    path = OUT / f"{name}_folds.csv"
    if not path.exists():
        print(f"{name}: skipped, {path} not found (run `cargo run --release --example churn_eval` first)")
        return
    frame = pd.read_csv(path)
    x = frame.drop(columns=["churn", "fold"]).to_numpy(dtype=float)
    y = frame["churn"].to_numpy(dtype=int)
    folds = frame["fold"].to_numpy(dtype=int)
    print(f"{name}: {len(y)} rows, {y.sum()} churners, {folds.max() + 1} folds from {path}")
    for label, make in peers().items():
        aucs, precisions = [], []
        start = time.perf_counter()
        for fold in range(folds.max() + 1):
            train, test = folds != fold, folds == fold
            model = make().fit(x[train], y[train])
            scores = model.predict_proba(x[test])[:, 1]
            aucs.append(roc_auc_score(y[test], scores))
            precisions.append(precision_at_top(list(scores), list(y[test])))
        elapsed = time.perf_counter() - start
        print(
            f"  {label:32s} mean ROC AUC {np.mean(aucs):.4f}, mean precision@top10% {np.mean(precisions):.4f}"
            f" ({elapsed:.2f} s for {folds.max() + 1} fits)"
        )


def check_dedup():
    # The Rust side keeps the first of each exact duplicate line; pandas'
    # drop_duplicates on parsed values must agree on the count.
    if SHARED_IRANIAN.exists():
        raw = pd.read_csv(SHARED_IRANIAN)
        print(f"pandas de-duplication of the shared Iranian file: {len(raw)} -> {len(raw.drop_duplicates())} rows")


if __name__ == "__main__":
    check_dedup()
    for name in sys.argv[1:] or ["iranian", "iranian_profile_features", "ibm"]:
        evaluate(name)
