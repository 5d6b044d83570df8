"""Batch classification throughput from Python against the native Rust batch
on the same texts and machine, and the per-call overhead of one classify.

    make py-bench            # release build into .venv, then this script
    .venv/bin/python benches/python/classify_throughput.py [--rows 200000] [--rounds 5]

"Native" is the core's ``Classifier::classify_batch`` on Rust-owned strings,
timed in Rust (no Python object inside the timed region), in the same release
build. "Python" is ``Engine.classify_batch`` called from Python: the list of
str is copied in, the GIL released, and the result columns built (as a dict
of lists, and as a pandas DataFrame). Best of ``--rounds`` for each.
"""

import argparse
import csv
import os
import pathlib
import time

import custinsight
from custinsight import _custinsight

SAMPLE = pathlib.Path(__file__).resolve().parents[2] / "examples" / "python" / "data" / "complaints.csv"


def texts_of(rows: int) -> list:
    with SAMPLE.open(encoding="utf-8") as file:
        base = [row["text"] for row in csv.DictReader(file) if row["text"]]
    # Distinct strings (a suffix), so nothing can be cached by identity.
    return [f"{base[i % len(base)]} #{i}" for i in range(rows)]


def best(function, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--calls", type=int, default=20_000)
    args = parser.parse_args()

    texts = texts_of(args.rows)
    engine = custinsight.Engine()
    engine.classify_batch(texts[:1000], output="dict")  # warm-up

    native = min(_custinsight.native_classify_batch_seconds(texts, args.rounds))
    python_dict = best(lambda: engine.classify_batch(texts, output="dict"), args.rounds)
    python_pandas = best(lambda: engine.classify_batch(texts, output="pandas"), args.rounds)

    text = texts[0]
    native_one = _custinsight.native_classify_one_seconds(text, args.calls)
    python_one = best(lambda: [engine.classify(text) for _ in range(args.calls)], 3) / args.calls
    raw_one = best(lambda: [engine._native.classify_json(text) for _ in range(args.calls)], 3) / args.calls

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"custinsight {custinsight.__version__}, {len(texts)} texts, {cores} cores, best of {args.rounds}")
    print(f"native Rust classify_batch      {len(texts) / native:12,.0f} texts/s")
    print(f"Python classify_batch (dict)    {len(texts) / python_dict:12,.0f} texts/s  "
          f"{native / python_dict:6.1%} of native")
    print(f"Python classify_batch (pandas)  {len(texts) / python_pandas:12,.0f} texts/s  "
          f"{native / python_pandas:6.1%} of native")
    print(f"single classify: native {native_one * 1e6:.1f} us, Python Engine.classify {python_one * 1e6:.1f} us "
          f"(overhead {(python_one - native_one) * 1e6:.1f} us per call; "
          f"of which JSON in the native layer {(raw_one - native_one) * 1e6:.1f} us)")


if __name__ == "__main__":
    main()
