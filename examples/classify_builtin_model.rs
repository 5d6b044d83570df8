//! Trains the built-in classifier from the corpus embedded in the library
//! and writes it to `core/data/classify/builtin.model`, the file
//! `Classifier::builtin` loads. Run it (or `make builtin-model`) after
//! changing the corpus, the features or training; the test
//! `embedded_model_is_what_the_corpus_trains` fails until then.
//!
//! ```text
//! cargo run --release --example classify_builtin_model
//! ```

use std::path::PathBuf;
use std::time::Instant;

use custinsight::classify::Classifier;

fn main() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("core/data/classify/builtin.model");
    let started = Instant::now();
    let bytes = Classifier::train_builtin().to_bytes();
    let seconds = started.elapsed().as_secs_f64();
    // Written beside and renamed, so an interrupted run leaves the old
    // model whole.
    let partial = path.with_extension("model.partial");
    std::fs::write(&partial, &bytes)
        .unwrap_or_else(|err| panic!("cannot write {}: {err}", partial.display()));
    std::fs::rename(&partial, &path)
        .unwrap_or_else(|err| panic!("cannot rename to {}: {err}", path.display()));
    println!(
        "trained in {seconds:.2} s; wrote {} ({:.2} MB)",
        path.display(),
        bytes.len() as f64 / 1e6
    );
}
