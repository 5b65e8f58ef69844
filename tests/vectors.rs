//! Every case in `tests/vectors/*.json` through one loop: the verdict and
//! reason code (or one of `also_ok`) must match, and handshake replies must
//! be the expected ones.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use webhook_kit::conformance::{self, Verdict};

/// `file.json` / `case name` pairs listed in DIVERGENCES.md, as lines of
/// the form ``- `file.json` / `case name`: evidence``.
fn divergences(dir: &Path) -> Vec<(String, String)> {
    let Ok(text) = fs::read_to_string(dir.join("DIVERGENCES.md")) else {
        return Vec::new();
    };
    text.lines()
        .filter_map(|line| {
            let rest = line.strip_prefix("- `")?;
            let (file, rest) = rest.split_once("` / `")?;
            let (name, _) = rest.split_once('`')?;
            Some((file.to_owned(), name.to_owned()))
        })
        .collect()
}

#[test]
fn every_vector_passes() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors");
    let skipped_by_divergence = divergences(&dir);
    let mut files: Vec<_> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no vector files in {}", dir.display());

    let mut failures = Vec::new();
    let mut per_provider: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut feature_skips = 0;
    let mut divergence_skips = 0;

    for path in &files {
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        let cases = conformance::parse_file(&fs::read_to_string(path).unwrap())
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        for case in cases {
            if skipped_by_divergence
                .iter()
                .any(|(f, n)| *f == file && *n == case.name)
            {
                divergence_skips += 1;
                continue;
            }
            let result = conformance::run_case(&case);
            let entry = per_provider.entry(case.provider.clone()).or_default();
            match result.verdict {
                Verdict::Pass => entry.0 += 1,
                Verdict::Fail => failures.push(format!(
                    "{file}: {} / {}: expected {}, got {}",
                    case.provider, case.name, case.expected, result.got
                )),
                // An unknown provider is a failure: every file here must be covered.
                Verdict::Skip if !result.got.starts_with("needs feature") => failures.push(
                    format!("{file}: {} / {}: {}", case.provider, case.name, result.got),
                ),
                Verdict::Skip => {
                    feature_skips += 1;
                    entry.1 += 1;
                }
            }
        }
    }

    for (provider, (passed, skipped)) in &per_provider {
        println!("{provider}: {passed} passed, {skipped} skipped");
    }
    println!(
        "skipped for disabled features: {feature_skips}; listed in DIVERGENCES.md: {divergence_skips}"
    );
    if cfg!(all(
        feature = "ed25519",
        feature = "sha1",
        feature = "p256",
        feature = "rsa"
    )) {
        assert_eq!(
            feature_skips, 0,
            "with all features on, nothing may be skipped"
        );
    }
    assert_eq!(
        divergence_skips,
        skipped_by_divergence.len(),
        "a DIVERGENCES.md entry names no case"
    );
    assert!(
        failures.is_empty(),
        "{} failing cases:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
