#!/usr/bin/env python3
"""Peers of custinsight's complaint classifier, trained and measured on the
same split: scikit-learn (TF-IDF on character 1-3-grams + LinearSVC, and
TF-IDF on words 1-2-grams + LogisticRegression) and fastText (supervised).

Usage: classify_peers.py TRAIN.tsv TEST.tsv [--interleave]
Each TSV line is `label<TAB>text` (tabs and newlines in text already replaced
by spaces). Prints one JSON object per peer on stdout.

Run by `cargo run --release --example classify_peers`, which writes the
split and prints the comparison table. With `--interleave` (as that example
runs it), the script then keeps fastText loaded and answers each `pass K`
line on stdin with the seconds per pass of K more prediction passes over the
test texts,
so that the example can alternate its own passes with fastText's: the
machines this runs on are shared, and passes minutes apart can see very
different neighbours. The script installs its peers itself:
when they are not importable it creates a virtual environment (at
$CLASSIFY_PEERS_VENV, default `target/venv-classify-peers`), installs
requirements-classify.txt beside this file into it, and re-runs itself there.
Everything is single-threaded so that figures compare per core.
"""

import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
# Single-threaded BLAS/OpenMP, set before numpy is first imported.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")


def ensure_peers():
    try:
        import fasttext  # noqa: F401
        import sklearn  # noqa: F401
        return
    except ImportError:
        pass
    if os.environ.get("CLASSIFY_PEERS_REEXEC"):
        sys.exit("peers still not importable inside the virtual environment")
    venv = os.environ.get("CLASSIFY_PEERS_VENV") or os.path.join(HERE, "..", "..", "target", "venv-classify-peers")
    python = os.path.join(venv, "bin", "python")
    if not os.path.exists(python):
        print(f"creating {venv} ...", file=sys.stderr)
        subprocess.check_call([sys.executable, "-m", "venv", venv])
    subprocess.check_call(
        [python, "-m", "pip", "install", "-q", "-r", os.path.join(HERE, "requirements-classify.txt")],
        stdout=sys.stderr,
    )
    env = dict(os.environ, CLASSIFY_PEERS_REEXEC="1")
    os.execve(python, [python] + sys.argv, env)


def load(path):
    labels, texts = [], []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            label, _, text = line.rstrip("\n").partition("\t")
            labels.append(label)
            texts.append(text)
    return labels, texts


def metrics(truth, predicted):
    from sklearn.metrics import accuracy_score, f1_score

    return accuracy_score(truth, predicted), f1_score(truth, predicted, average="macro", zero_division=0)


# Prediction is timed as the best of this many passes over the test texts,
# as `examples/classify_peers.rs` times custinsight: on a shared machine one
# pass can be slowed by half by other work, and the best pass is the one
# least disturbed.
PASSES = 5


def best_seconds(work, passes=PASSES):
    """The result of `work()` and the shortest time any of `passes` calls took."""
    best = float("inf")
    result = None
    for _ in range(passes):
        started = time.perf_counter()
        result = work()
        best = min(best, time.perf_counter() - started)
    return result, best


def measure(name, fit, predict_batch, predict_one, train, test):
    y_train, x_train = train
    y_test, x_test = test
    started = time.perf_counter()
    fit(x_train, y_train)
    train_seconds = time.perf_counter() - started
    predicted, batch_seconds = best_seconds(lambda: predict_batch(x_test))
    sample = x_test[: min(len(x_test), 300)]
    _, sample_seconds = best_seconds(lambda: [predict_one(text) for text in sample], passes=3)
    single_seconds = sample_seconds / len(sample)
    accuracy, macro_f1 = metrics(y_test, predicted)
    print(
        json.dumps(
            {
                "name": name,
                "accuracy": accuracy,
                "macro_f1": macro_f1,
                "train_seconds": train_seconds,
                "batch_texts_per_second": len(x_test) / batch_seconds,
                "single_ms": single_seconds * 1e3,
            }
        ),
        flush=True,
    )


def sklearn_char_svc(train, test):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import LinearSVC

    model = make_pipeline(
        TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True, lowercase=True),
        LinearSVC(C=1.0),
    )
    measure(
        "sklearn tfidf char1-3 + LinearSVC",
        model.fit,
        model.predict,
        lambda text: model.predict([text]),
        train,
        test,
    )


def sklearn_word_logreg(train, test):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    model = make_pipeline(
        TfidfVectorizer(analyzer=cjk_tokens, ngram_range=(1, 2), sublinear_tf=True),
        LogisticRegression(C=10.0, max_iter=1000),
    )
    measure(
        "sklearn tfidf words1-2 + LogisticRegression",
        model.fit,
        model.predict,
        lambda text: model.predict([text]),
        train,
        test,
    )


def spaced(text):
    """fastText splits on spaces: give every CJK character its own token."""
    out = []
    for char in text.lower():
        if "\u3400" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff":
            out.append(" " + char + " ")
        else:
            out.append(char)
    return " ".join("".join(out).split())


def cjk_tokens(text):
    tokens = spaced(text).split()
    return tokens + [a + " " + b for a, b in zip(tokens, tokens[1:])]


def fasttext_peer(train, test, scratch):
    import fasttext

    fasttext.FastText.eprint = lambda *args, **kwargs: None
    y_train, x_train = train
    path = os.path.join(scratch, "fasttext_train.txt")
    with open(path, "w", encoding="utf-8") as handle:
        for label, text in zip(y_train, x_train):
            handle.write(f"__label__{label} {spaced(text)}\n")
    holder = {}

    def fit(_x, _y):
        holder["model"] = fasttext.train_supervised(
            input=path, epoch=25, lr=0.5, wordNgrams=2, minn=0, maxn=0, dim=100, thread=1, verbose=0
        )

    def predict_batch(texts):
        labels, _ = holder["model"].predict([spaced(t) for t in texts])
        return [label[0].replace("__label__", "") for label in labels]

    def predict_one(text):
        return holder["model"].predict(spaced(text))

    measure("fastText supervised (wordNgrams 2)", fit, predict_batch, predict_one, train, test)
    return lambda: predict_batch(test[1])


def serve_passes(name, predict):
    """Answers `pass K` lines on stdin with the seconds per pass of K timed
    prediction passes."""
    print(json.dumps({"interleave": name}), flush=True)
    for line in sys.stdin:
        word, _, count = line.partition(" ")
        if word != "pass":
            break
        passes = int(count)
        started = time.perf_counter()
        for _ in range(passes):
            predict()
        print(json.dumps({"seconds": (time.perf_counter() - started) / passes}), flush=True)


def main():
    ensure_peers()
    train_path, test_path = sys.argv[1], sys.argv[2]
    train, test = load(train_path), load(test_path)
    sklearn_char_svc(train, test)
    sklearn_word_logreg(train, test)
    predict = fasttext_peer(train, test, os.path.dirname(os.path.abspath(train_path)))
    if "--interleave" in sys.argv[3:]:
        serve_passes("fastText supervised (wordNgrams 2)", predict)


if __name__ == "__main__":
    main()
