//! The `case_parser` fuzz target: reads its input on stdin.

fn main() {
    memspec_fuzz::main_of(memspec_fuzz::case_parser);
}
