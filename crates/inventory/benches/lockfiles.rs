//! Lockfile parse throughput on the real lockfiles of `../shared/data/lockfiles.zip`: time per
//! file and MB/s for each (`cargo bench -p patchwarden-inventory --bench lockfiles`). Issue 5's
//! target: the 700 KB npm lockfile (juice-shop, lockfileVersion 3) in under 10 ms.

#[path = "../tests/common/mod.rs"]
mod common;

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use patchwarden_inventory::{LockfileKind, parse_lockfile};

fn lockfiles(c: &mut Criterion) {
    let Some(data) = common::shared_data() else {
        return;
    };
    let mut group = c.benchmark_group("parse");
    group
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_secs(1));
    for name in common::lockfile_names(&data) {
        let Some(kind) = LockfileKind::detect_named(&name, b"") else {
            continue;
        };
        let text = common::lockfile(&data, &name);
        if parse_lockfile(kind, &name, &text, None).is_err() {
            continue;
        }
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_function(&name, |b| {
            b.iter(|| parse_lockfile(kind, black_box(&name), black_box(&text), None))
        });
    }
    group.finish();
}

criterion_group!(benches, lockfiles);
criterion_main!(benches);
