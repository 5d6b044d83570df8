"""Batch classification throughput from Python against the native Rust batch
on the same texts and machine, and the per-call overhead of one classify.

    make py-bench            # release build into .venv, then this script
    .venv/bin/python benches/python/classify_throughput.py [--rows 200000] [--rounds 5]

"Native" is the core's ``Classifier::classify_batch`` with the same engine's
classifier on Rust-owned strings, timed in Rust around the call (no Python
object inside the timed region), in the same release build. "Python" is ``Engine.classify_batch`` called from Python: the list of
str is packed and handed over, the GIL released, and the result columns built
(as a dict of lists, a pandas DataFrame and a pyarrow Table), and
``Engine.predict_batch`` into pandas (the category alone, no signals). Rounds
interleave them; the best round of each counts.
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

    # Rounds interleave, so that load from other processes hits all alike.
    # Wall time is what a user waits; process CPU time (all threads) is
    # steadier on a shared machine: both are reported.
    wall: dict = {"native": [], "compact": [], "dict": [], "pandas": [], "arrow": [], "predict": []}
    cpu: dict = {name: [] for name in wall}

    def timed(name, function):
        start, start_cpu = time.perf_counter(), time.process_time()
        function()
        wall[name].append(time.perf_counter() - start)
        cpu[name].append(time.process_time() - start_cpu)

    for _ in range(args.rounds):
        seconds, seconds_cpu = _custinsight.native_classify_batch_times(engine._native, texts, time.process_time)
        wall["native"].append(seconds)
        cpu["native"].append(seconds_cpu)
        seconds, seconds_cpu = _custinsight.native_classify_batch_times(engine._native, texts, time.process_time, True)
        wall["compact"].append(seconds)
        cpu["compact"].append(seconds_cpu)
        for output in ("dict", "pandas", "arrow"):
            timed(output, lambda: engine.classify_batch(texts, output=output))
        timed("predict", lambda: engine.predict_batch(texts, output="pandas"))
    native = min(wall["native"])
    native_cpu = min(cpu["native"])

    text = texts[0]
    native_one = _custinsight.native_classify_one_seconds(text, args.calls)
    python_one = best(lambda: [engine.classify(text) for _ in range(args.calls)], 3) / args.calls
    raw_one = best(lambda: [engine._native.classify_dict(text) for _ in range(args.calls)], 3) / args.calls

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"custinsight {custinsight.__version__}, {len(texts)} texts, {cores} cores, best of {args.rounds}")
    print(f"{'':31}{'texts/s':>12}  {'of native':>9}  {'texts/CPU-s':>12}  {'of native':>9}")
    print(f"{'native Rust classify_batch':31}{len(texts) / native:12,.0f}  {'':9}  {len(texts) / native_cpu:12,.0f}")
    compact, compact_cpu = min(wall["compact"]), min(cpu["compact"])
    print(f"{'native Rust ..._batch_compact':31}{len(texts) / compact:12,.0f}  {native / compact:9.1%}  "
          f"{len(texts) / compact_cpu:12,.0f}  {native_cpu / compact_cpu:9.1%}")
    for output in ("dict", "pandas", "arrow"):
        seconds, seconds_cpu = min(wall[output]), min(cpu[output])
        print(f"{'Python classify_batch (' + output + ')':31}{len(texts) / seconds:12,.0f}  {native / seconds:9.1%}  "
              f"{len(texts) / seconds_cpu:12,.0f}  {native_cpu / seconds_cpu:9.1%}")
    seconds, seconds_cpu = min(wall["predict"]), min(cpu["predict"])
    print(f"{'Python predict_batch (pandas)':31}{len(texts) / seconds:12,.0f}  {native / seconds:9.1%}  "
          f"{len(texts) / seconds_cpu:12,.0f}  {native_cpu / seconds_cpu:9.1%}")
    print("(the data-frame paths classify with classify_batch_compact: their share of it is the\n"
          f" cost of crossing into Python: pandas {compact / min(wall['pandas']):.1%}, arrow {compact / min(wall['arrow']):.1%} of its wall-clock rate)")
    print(f"single classify: native {native_one * 1e6:.1f} us, Python Engine.classify {python_one * 1e6:.1f} us "
          f"(overhead {(python_one - native_one) * 1e6:.1f} us per call; "
          f"of which building the result dict in Rust {(raw_one - native_one) * 1e6:.1f} us)")


if __name__ == "__main__":
    main()
