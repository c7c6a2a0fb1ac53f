//! Links the firmware with its own script: RAM of QEMU's `virt` machine, the start routine first.

fn main() {
    let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
    println!("cargo:rustc-link-search={dir}");
    println!("cargo:rustc-link-arg-bins=-Tvirt.ld");
    println!("cargo:rerun-if-changed=virt.ld");
}
