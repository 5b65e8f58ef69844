//! The `webhook-kit` command line (placeholder until the CLI lands).
fn main() {}
