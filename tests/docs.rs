//! The README and the crate docs stay in step.
#![allow(
    clippy::unwrap_used,
    reason = "test helpers fail the test on a broken fixture"
)]

use std::fs;
use std::path::Path;

use webhook_kit::Provider;

fn read(path: &str) -> String {
    fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
}

#[test]
fn readme_carries_the_crate_docs_provider_table() {
    let table = read("src/docs/providers.md");
    assert!(
        read("README.md").contains(&table),
        "README's provider table differs from src/docs/providers.md"
    );
}

#[test]
fn readme_carries_the_crate_docs_limitations() {
    let limitations = read("src/docs/limitations.md");
    assert!(
        read("README.md").contains(&limitations),
        "README's Limitations differ from src/docs/limitations.md"
    );
}

#[test]
fn provider_table_names_every_provider() {
    let table = read("src/docs/providers.md");
    for provider in Provider::ALL {
        assert!(
            table.contains(&format!("(`{}`)", provider.id())),
            "{} is missing from the provider table",
            provider.id()
        );
    }
}

#[test]
fn changelog_has_an_unreleased_section() {
    assert!(read("CHANGELOG.md").contains("## [Unreleased]"));
}
