//! Compiles the front end of ui/field/dist into the binary through tauri-build.
//!
//! The UI is built by `npm run build` in ui/ (scripts/lib.sh `ui_build`). So that a plain
//! `cargo build --workspace` never fails on a machine where nobody built the UI yet, a missing
//! ui/field/dist gets a one-page placeholder that says how to build the real one.

use std::path::Path;

fn main() {
    let dist = Path::new("../ui/field/dist");
    let index = dist.join("index.html");
    if !index.exists() {
        std::fs::create_dir_all(dist).expect("create ui/field/dist");
        std::fs::write(
            &index,
            "<!doctype html><meta charset=\"utf-8\"><title>fangpin</title>\
             <p>界面尚未构建：在 ui/ 中运行 npm ci &amp;&amp; npm run build，然后重新编译。</p>\
             <p>The UI is not built: run npm ci &amp;&amp; npm run build in ui/, then rebuild.</p>",
        )
        .expect("write the placeholder ui/field/dist/index.html");
    }
    println!("cargo:rerun-if-changed=../ui/field/dist");
    tauri_build::build();
}
