//! The `memspec` command line.

fn main() {
    for p in memspec::profile::PROFILES {
        println!("{}", p.id.name());
    }
}
