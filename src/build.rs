//! Build script (kept in src/ so the top level stays as agreed): rebuild when a migration is
//! added or changed. `embed_migrations!` reads the directory at compile time, and cargo would not
//! otherwise notice a new file there.

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
