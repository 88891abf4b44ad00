//! The seeded sampler: which ecosystems ("stacks") a synthetic project uses and which pooled
//! components of each it gets. Works on indices only, so it knows nothing about components.

/// SplitMix64 (Steele, Lea and Flood): a tiny, fast generator whose output depends on the seed
/// alone, so that a portfolio is the same on every machine and with every dependency version.
#[derive(Clone, Debug)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator started at `seed`.
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    /// The generator of project `index` of a portfolio made with `seed`: projects do not
    /// share one stream, so each can be made on its own.
    pub fn for_project(seed: u64, index: u64) -> Self {
        let mut mixer = SplitMix64::new(seed ^ index.wrapping_mul(0xD1B5_4A32_D192_ED03));
        SplitMix64(mixer.next_u64())
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in (0, 1], never 0 so that its logarithm is finite.
    pub fn unit(&mut self) -> f64 {
        ((self.next_u64() >> 11) + 1) as f64 / (1u64 << 53) as f64
    }
}

/// Index of one of `weights` chosen with probability proportional to its weight, among those
/// not in `exclude` and with a positive weight; `None` when there is none.
fn choose(weights: &[f64], exclude: &[usize], rng: &mut SplitMix64) -> Option<usize> {
    let open = |i: usize| !exclude.contains(&i) && weights[i] > 0.0;
    let total: f64 = (0..weights.len())
        .filter(|&i| open(i))
        .map(|i| weights[i])
        .sum();
    if total <= 0.0 {
        return None;
    }
    let mut target = rng.unit() * total;
    let mut last = None;
    for i in (0..weights.len()).filter(|&i| open(i)) {
        last = Some(i);
        if target <= weights[i] {
            return Some(i);
        }
        target -= weights[i];
    }
    last
}

/// How many components a project takes from each stack, given the pool size of each stack:
/// `(stack, count)` pairs whose counts sum to `wanted`. The first stack is drawn with
/// probability proportional to its pool; half of the projects add a second one, drawn the same
/// way, which gets 15–45 % of the components. A stack too small for its share hands the rest
/// to the other, then to further stacks drawn the same way. Fails when all pools together hold
/// fewer than `wanted` components.
pub fn plan(
    pool_sizes: &[usize],
    wanted: usize,
    rng: &mut SplitMix64,
) -> Result<Vec<(usize, usize)>, String> {
    let total: usize = pool_sizes.iter().sum();
    if total < wanted {
        return Err(format!(
            "the pool holds {total} distinct components, fewer than the {wanted} asked for per project"
        ));
    }
    if wanted == 0 {
        return Ok(Vec::new());
    }
    let weights: Vec<f64> = pool_sizes.iter().map(|&n| n as f64).collect();
    let mut chosen: Vec<usize> = Vec::new();
    let mut counts: Vec<usize> = Vec::new();
    // `total >= wanted > 0`, so some pool is not empty.
    let first = choose(&weights, &[], rng).ok_or("every pool is empty")?;
    chosen.push(first);
    let second = if rng.unit() <= 0.5 {
        choose(&weights, &chosen, rng)
    } else {
        None
    };
    match second {
        Some(s) => {
            let share = 0.55 + 0.30 * rng.unit();
            let main = ((wanted as f64 * share).round() as usize).min(wanted);
            chosen.push(s);
            counts.push(main);
            counts.push(wanted - main);
        }
        None => counts.push(wanted),
    }
    // Cap each share at its pool; what is left over goes to stacks with room.
    let mut missing = 0;
    for (k, &stack) in chosen.iter().enumerate() {
        if counts[k] > pool_sizes[stack] {
            missing += counts[k] - pool_sizes[stack];
            counts[k] = pool_sizes[stack];
        }
    }
    for (k, &stack) in chosen.iter().enumerate() {
        let room = pool_sizes[stack] - counts[k];
        let give = room.min(missing);
        counts[k] += give;
        missing -= give;
    }
    while missing > 0 {
        let Some(next) = choose(&weights, &chosen, rng) else {
            return Err("the pools ran out of components".into());
        };
        let give = pool_sizes[next].min(missing);
        chosen.push(next);
        counts.push(give);
        missing -= give;
    }
    Ok(chosen
        .into_iter()
        .zip(counts)
        .filter(|&(_, n)| n > 0)
        .collect())
}

/// `k` distinct indices into `weights`, each drawn with probability proportional to its
/// weight, without replacement (Efraimidis and Spirakis: the `k` largest `ln(u) / w`), in
/// ascending order. All of them when `k` is at least their number. Weights that are not
/// positive count as the smallest positive weight.
pub fn pick_weighted(weights: &[f64], k: usize, rng: &mut SplitMix64) -> Vec<usize> {
    if k >= weights.len() {
        return (0..weights.len()).collect();
    }
    let mut keyed: Vec<(f64, usize)> = weights
        .iter()
        .enumerate()
        .map(|(i, &w)| (rng.unit().ln() / w.max(f64::MIN_POSITIVE), i))
        .collect();
    if k > 0 {
        keyed.select_nth_unstable_by(k - 1, |a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    }
    let mut picked: Vec<usize> = keyed.into_iter().take(k).map(|(_, i)| i).collect();
    picked.sort_unstable();
    picked
}

/// The components of one project: `(stack, index in that stack's pool)` pairs, `wanted` of
/// them and all distinct, following [`plan`] and then [`pick_weighted`] within each stack.
/// `stacks` holds one weight per pooled component of each stack.
pub fn sample_project(
    stacks: &[Vec<f64>],
    wanted: usize,
    rng: &mut SplitMix64,
) -> Result<Vec<(usize, usize)>, String> {
    let sizes: Vec<usize> = stacks.iter().map(Vec::len).collect();
    let mut out = Vec::with_capacity(wanted);
    for (stack, count) in plan(&sizes, wanted, rng)? {
        for i in pick_weighted(&stacks[stack], count, rng) {
            out.push((stack, i));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn stacks() -> Vec<Vec<f64>> {
        vec![
            (0..500).map(|i| 1.0 + (i % 7) as f64).collect(),
            (0..120).map(|i| 1.0 + (i % 3) as f64).collect(),
            vec![],
            (0..40).map(|_| 2.0).collect(),
        ]
    }

    #[test]
    fn the_same_seed_gives_the_same_project() {
        let s = stacks();
        for project in 0..20 {
            let a = sample_project(&s, 300, &mut SplitMix64::for_project(7, project));
            let b = sample_project(&s, 300, &mut SplitMix64::for_project(7, project));
            assert_eq!(a, b);
        }
        let a = sample_project(&s, 300, &mut SplitMix64::for_project(7, 1));
        let b = sample_project(&s, 300, &mut SplitMix64::for_project(8, 1));
        assert_ne!(a, b, "another seed gives another project");
    }

    #[test]
    fn projects_get_exactly_the_count_asked_of_distinct_components() {
        let s = stacks();
        let total: usize = s.iter().map(Vec::len).sum();
        for wanted in [0, 1, 39, 300, 600, total] {
            for project in 0..50 {
                let picks = sample_project(&s, wanted, &mut SplitMix64::for_project(3, project))
                    .unwrap_or_else(|e| panic!("{wanted}: {e}"));
                assert_eq!(picks.len(), wanted);
                let distinct: BTreeSet<_> = picks.iter().collect();
                assert_eq!(distinct.len(), wanted, "duplicates in {picks:?}");
                assert!(picks.iter().all(|&(st, i)| i < s[st].len()));
            }
        }
        let err = sample_project(&s, total + 1, &mut SplitMix64::new(1));
        assert!(err.is_err_and(|e| e.contains("fewer than")));
    }

    #[test]
    fn projects_use_one_or_two_stacks_when_those_suffice() {
        let s = stacks();
        let mut two = 0;
        for project in 0..200 {
            let plan = plan(
                &[500, 120, 0, 40],
                30,
                &mut SplitMix64::for_project(7, project),
            )
            .unwrap_or_else(|e| panic!("{e}"));
            assert!(plan.len() == 1 || plan.len() == 2, "{plan:?}");
            assert!(plan.iter().all(|&(st, _)| !s[st].is_empty()));
            two += usize::from(plan.len() == 2);
        }
        assert!(
            (50..150).contains(&two),
            "{two} of 200 projects with two stacks"
        );
    }

    #[test]
    fn heavier_components_are_picked_more_often() {
        // Index 0 weighs 50 times as much as each of the other 99.
        let mut weights = vec![1.0; 100];
        weights[0] = 50.0;
        let mut rng = SplitMix64::new(11);
        let hits = (0..1000)
            .filter(|_| pick_weighted(&weights, 10, &mut rng).contains(&0))
            .count();
        assert!(hits > 800, "the heavy one was picked {hits} times in 1000");
    }

    #[test]
    fn units_are_in_the_half_open_interval() {
        let mut rng = SplitMix64::new(0);
        for _ in 0..10_000 {
            let u = rng.unit();
            assert!(u > 0.0 && u <= 1.0);
        }
    }
}
