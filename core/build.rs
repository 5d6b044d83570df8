//! Precomputes which characters traditional → simplified conversion can
//! change, so that normalisation skips the converter for the (usual) text
//! that has none of them. The table is derived from the `fast2s` crate the
//! library converts with, so the two cannot disagree.

use std::path::PathBuf;

/// Characters `fast2s` converts only in some neighbourhoods (its
/// context-dependent rules); a lone-character probe would miss them.
const CONTEXT_DEPENDENT: &str = "兒覆夥藉瞭麽幺於乾著苧闔鍾讎畫";

fn main() {
    // fast2s only looks at three-byte UTF-8 characters: U+0800..=U+FFFF.
    let mut bits = vec![0u8; 0x10000 / 8];
    let mut mark = |c: char| bits[c as usize / 8] |= 1 << (c as usize % 8);
    for code in 0x800u32..=0xFFFF {
        if let Some(c) = char::from_u32(code) {
            let alone = c.to_string();
            if fast2s::convert(&alone) != alone {
                mark(c);
            }
        }
    }
    CONTEXT_DEPENDENT.chars().for_each(&mut mark);
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out.join("convertible.bin"), bits).expect("write the table of convertible characters");
    println!("cargo::rerun-if-changed=build.rs");
}
