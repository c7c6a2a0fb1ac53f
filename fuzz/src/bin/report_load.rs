//! The `report_load` fuzz target: reads its input on stdin.

fn main() {
    memspec_fuzz::main_of(memspec_fuzz::report_load);
}
