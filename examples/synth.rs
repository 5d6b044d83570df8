//! Prints a synthetic population's source events as JSON lines.
//!
//! ```text
//! cargo run --release --example synth -- --customers 1000000 --seed 7 > events.jsonl
//! ```
//!
//! The bundled sample `examples/data/sample_events.jsonl` is
//! `--customers 12 --seed 20261101`.

use std::io::{BufWriter, Write};

use custinsight::synth::{Population, SynthConfig};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut config = SynthConfig::default();
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--customers" => config.customers = value.parse()?,
            "--seed" => config.seed = value.parse()?,
            "--months" => config.months = value.parse()?,
            other => {
                return Err(format!("unknown flag {other}; use --customers N --seed S --months M").into())
            }
        }
    }
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    for event in Population::new(config).events() {
        serde_json::to_writer(&mut out, &event)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(())
}
