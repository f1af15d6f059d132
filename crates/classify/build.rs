//! Generates the default port table from the shipped SwyxWare 2013 matrix file.

use swyx_matrix::{Matrix, OwnedPortTable};

fn main() {
    let matrix = Matrix::parse(Matrix::SWYXWARE_2013)
        .unwrap_or_else(|error| panic!("the shipped matrix file is invalid: {error}"));
    let table = OwnedPortTable::build(&matrix)
        .unwrap_or_else(|error| panic!("the shipped matrix does not fit a table: {error}"));
    let source = table.to_rust_source(
        "SWYXWARE_2013_TABLE",
        "swyx-matrix/data/swyxware-2013.matrix",
    );
    let out_dir = std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR for build scripts");
    let path = std::path::Path::new(&out_dir).join("swyxware_2013_table.rs");
    std::fs::write(&path, source)
        .unwrap_or_else(|error| panic!("cannot write {}: {error}", path.display()));
    println!("cargo:rerun-if-changed=build.rs");
}
