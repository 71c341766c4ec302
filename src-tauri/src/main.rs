//! The desktop entry point of the field app.

// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    fangpin_field::run();
}
