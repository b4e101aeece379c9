//! The rules that keep the core headless, checked on the source tree: the core and the command
//! line name no GUI crate and nothing of `gui`; the only doors to the workbench (`pub mod gui` in
//! lib.rs, the workbench call in main.rs) are behind the `gui` feature; and the GUI crates are
//! optional dependencies that only that feature turns on. (`.ci/run` used to prove this by a
//! `cargo check --no-default-features`, a cold check of ~390 crates that cost four of CI's 45
//! minutes; `cargo check --no-default-features` still builds the headless core.)

use std::fs;
use std::path::{Path, PathBuf};

/// The crates only the `gui` feature brings in.
const GUI_CRATES: [&str; 5] = ["eframe", "egui_plot", "egui_extras", "rfd", "half"];

/// What naming a GUI crate or the gui module looks like in code.
const GUI_TOKENS: [&str; 6] = ["egui", "eframe", "rfd::", "half::", "::gui", "mod gui"];

const GATE: &str = "#[cfg(feature = \"gui\")]";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The (1-based) lines of `text` that name a GUI crate or the gui module outside comments.
fn gui_lines(text: &str) -> Vec<usize> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| {
            let code = line.split("//").next().unwrap_or("");
            GUI_TOKENS.iter().any(|t| code.contains(t))
        })
        .map(|(i, _)| i + 1)
        .collect()
}

/// Whether line `at` (1-based) lies in an item whose attributes include the `gui` gate: the
/// nearest line above it that starts an item (`fn`, `mod`, `use`, `impl`) has the gate right above.
fn gated(text: &str, at: usize) -> bool {
    let lines: Vec<&str> = text.lines().collect();
    let starts_item = |l: &str| {
        let l = l.trim_start().trim_start_matches("pub ").trim_start_matches("pub(crate) ");
        ["fn ", "mod ", "use ", "impl "].iter().any(|k| l.starts_with(k))
    };
    let Some(item) = (0..at).rev().find(|&i| starts_item(lines[i])) else { return false };
    item > 0 && lines[item - 1].trim() == GATE
}

#[test]
fn the_scan_finds_what_it_looks_for() {
    let text = "use std::fs;\n// egui in a comment\nfn f() {\n    egui::Window::new(\"x\");\n}\n";
    assert_eq!(gui_lines(text), [4]);
    assert!(!gated(text, 4));
    let gated_text = "#[cfg(feature = \"gui\")]\nfn f() {\n    cadet::gui::run(None)\n}\n";
    assert_eq!(gui_lines(gated_text), [3]);
    assert!(gated(gated_text, 3));
}

#[test]
fn the_core_and_the_command_line_never_touch_the_gui() {
    let mut files = Vec::new();
    rust_files(&root().join("src/core"), &mut files);
    rust_files(&root().join("src/cli"), &mut files);
    assert!(files.len() > 50, "{} files", files.len());
    let offending: Vec<String> = files
        .iter()
        .flat_map(|f| {
            let text = fs::read_to_string(f).unwrap();
            gui_lines(&text).into_iter().map(move |l| format!("{}:{l}", f.display()))
        })
        .collect();
    assert!(offending.is_empty(), "the core and the CLI name the GUI: {offending:?}");
    for file in ["src/lib.rs", "src/main.rs"] {
        let text = fs::read_to_string(root().join(file)).unwrap();
        let lines = gui_lines(&text);
        assert!(!lines.is_empty(), "{file} is where the workbench is reached");
        for l in lines {
            assert!(gated(&text, l), "{file}:{l} reaches the GUI outside {GATE}");
        }
    }
}

#[test]
fn the_gui_crates_are_optional_and_only_the_gui_feature_turns_them_on() {
    let manifest: toml::Table = fs::read_to_string(root().join("Cargo.toml")).unwrap().parse().unwrap();
    let deps = manifest["dependencies"].as_table().unwrap();
    let features = manifest["features"].as_table().unwrap();
    let gui: Vec<&str> = features["gui"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    for name in GUI_CRATES {
        assert_eq!(deps[name].get("optional").and_then(|v| v.as_bool()), Some(true), "{name} is optional");
        assert!(gui.contains(&format!("dep:{name}").as_str()), "the gui feature turns {name} on");
        for (feature, list) in features.iter().filter(|(f, _)| *f != "gui" && *f != "default") {
            let names: Vec<&str> = list.as_array().unwrap().iter().filter_map(|v| v.as_str()).collect();
            assert!(!names.iter().any(|n| n.starts_with(&format!("dep:{name}"))), "{feature} turns on {name}");
        }
    }
}
