//! The `vector_decoder` fuzz target: reads its input on stdin.

fn main() {
    memspec_fuzz::main_of(memspec_fuzz::vector_decoder);
}
