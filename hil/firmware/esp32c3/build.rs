//! Links the firmware with esp-hal's linker scripts.

fn main() {
    println!("cargo:rustc-link-arg-bins=-Tlinkall.x");
}
