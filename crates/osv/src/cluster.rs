//! Alias clustering: advisories that share an id or alias, directly or through others, describe
//! one vulnerability. Each cluster gets one identity: the CVE id when the cluster holds exactly
//! one, else the id of its earliest-published advisory (ties broken by id). Every id of the
//! cluster, advisory ids and aliases alike, maps to that identity.

use std::collections::HashMap;

/// What clustering needs to know of one advisory.
#[derive(Clone, Copy, Debug)]
pub struct ClusterInput<'a> {
    /// The advisory's id.
    pub id: &'a str,
    /// Its aliases.
    pub aliases: &'a [String],
    /// Its publication time (RFC 3339; compared as text, which orders UTC timestamps).
    pub published: Option<&'a str>,
}

/// Union-find over ids borrowed from the input.
struct Sets<'a> {
    index: HashMap<&'a str, usize>,
    names: Vec<&'a str>,
    parent: Vec<usize>,
}

impl<'a> Sets<'a> {
    fn id(&mut self, s: &'a str) -> usize {
        if let Some(&i) = self.index.get(s) {
            return i;
        }
        let i = self.parent.len();
        self.parent.push(i);
        self.names.push(s);
        self.index.insert(s, i);
        i
    }

    fn find(&mut self, mut i: usize) -> usize {
        while self.parent[i] != i {
            self.parent[i] = self.parent[self.parent[i]];
            i = self.parent[i];
        }
        i
    }

    fn union(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            self.parent[ra.max(rb)] = ra.min(rb);
        }
    }
}

/// What decides a cluster's identity, gathered in one pass over its members.
#[derive(Default)]
struct Naming<'a> {
    cves: usize,
    cve: Option<&'a str>,
    /// Earliest (publication, id) among the cluster's advisories; unpublished sort last.
    earliest: Option<(&'a str, &'a str)>,
    smallest: Option<&'a str>,
}

impl<'a> Naming<'a> {
    fn identity(&self) -> &'a str {
        match (self.cves, self.cve) {
            (1, Some(cve)) => cve,
            _ => self
                .earliest
                .map(|(_, id)| id)
                .or(self.smallest)
                .unwrap_or_default(),
        }
    }
}

/// Maps every id and alias of `advisories` to its vulnerability identity; the pairs come
/// sorted by id, each id once.
pub fn cluster<'a>(
    advisories: impl IntoIterator<Item = ClusterInput<'a>>,
) -> Vec<(&'a str, &'a str)> {
    let mut sets = Sets {
        index: HashMap::new(),
        names: Vec::new(),
        parent: Vec::new(),
    };
    // Publication per node that is an advisory (the last record of an id wins).
    let mut published: HashMap<usize, &'a str> = HashMap::new();
    for a in advisories {
        let root = sets.id(a.id);
        for alias in a.aliases {
            let other = sets.id(alias);
            sets.union(root, other);
        }
        published.insert(root, a.published.unwrap_or("9999"));
    }
    let mut naming: HashMap<usize, Naming<'a>> = HashMap::new();
    let mut roots = Vec::with_capacity(sets.names.len());
    for i in 0..sets.names.len() {
        let root = sets.find(i);
        roots.push(root);
        let name = sets.names[i];
        let n = naming.entry(root).or_default();
        if name.starts_with("CVE-") {
            n.cves += 1;
            n.cve = Some(name);
        }
        if let Some(&p) = published.get(&i) {
            n.earliest = Some(n.earliest.map_or((p, name), |e| e.min((p, name))));
        }
        n.smallest = Some(n.smallest.map_or(name, |s| s.min(name)));
    }
    let mut out: Vec<(&'a str, &'a str)> = sets
        .names
        .iter()
        .zip(&roots)
        .map(|(name, root)| {
            (
                *name,
                naming.get(root).map(Naming::identity).unwrap_or(name),
            )
        })
        .collect();
    out.sort_unstable();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup<'a>(map: &[(&'a str, &'a str)], id: &str) -> &'a str {
        map.iter()
            .find(|(k, _)| *k == id)
            .map(|(_, v)| *v)
            .unwrap_or_else(|| panic!("{id} not clustered"))
    }

    fn input<'a>(id: &'a str, aliases: &'a [String], published: &'a str) -> ClusterInput<'a> {
        ClusterInput {
            id,
            aliases,
            published: Some(published),
        }
    }

    #[test]
    fn transitive_aliases_form_one_cluster_named_by_its_cve() {
        let a1 = vec!["CVE-2021-44228".to_string()];
        let a2 = vec!["GHSA-jfh8-c2jp-5v3q".to_string()];
        let a3: Vec<String> = vec![];
        let map = cluster([
            input("GHSA-jfh8-c2jp-5v3q", &a1, "2021-12-10T00:00:00Z"),
            input("DEBIAN-CVE-2021-44228", &a2, "2021-12-11T00:00:00Z"),
            input("RUSTSEC-2099-0001", &a3, "2020-01-01T00:00:00Z"),
        ]);
        assert_eq!(lookup(&map, "DEBIAN-CVE-2021-44228"), "CVE-2021-44228");
        assert_eq!(lookup(&map, "GHSA-jfh8-c2jp-5v3q"), "CVE-2021-44228");
        assert_eq!(lookup(&map, "CVE-2021-44228"), "CVE-2021-44228");
        assert_eq!(lookup(&map, "RUSTSEC-2099-0001"), "RUSTSEC-2099-0001");
    }

    #[test]
    fn two_cves_or_none_fall_back_to_the_earliest_published_advisory() {
        let a1 = vec!["CVE-2020-1".to_string(), "CVE-2020-2".to_string()];
        let a2 = vec!["GHSA-late".to_string()];
        let map = cluster([
            input("GHSA-late", &a1, "2020-06-01T00:00:00Z"),
            input("PYSEC-early", &a2, "2020-01-01T00:00:00Z"),
        ]);
        assert_eq!(lookup(&map, "CVE-2020-2"), "PYSEC-early");
        assert_eq!(lookup(&map, "GHSA-late"), "PYSEC-early");
        let none: Vec<String> = vec!["OTHER-1".into()];
        let map = cluster([
            input("X-2", &none, "2022-01-01T00:00:00Z"),
            input("X-1", &none, "2022-01-01T00:00:00Z"),
        ]);
        assert_eq!(lookup(&map, "OTHER-1"), "X-1", "ties broken by id");
    }

    /// The rule applied the slow way: components by repeated merging, then the naming rule.
    fn reference(inputs: &[(String, Vec<String>, String)]) -> Vec<(String, String)> {
        let mut groups: Vec<std::collections::BTreeSet<String>> = Vec::new();
        for (id, aliases, _) in inputs {
            let mut group: std::collections::BTreeSet<String> = std::iter::once(id.clone())
                .chain(aliases.iter().cloned())
                .collect();
            let (joined, rest): (Vec<_>, Vec<_>) =
                groups.into_iter().partition(|g| !g.is_disjoint(&group));
            for g in joined {
                group.extend(g);
            }
            groups = rest;
            groups.push(group);
        }
        let mut out = Vec::new();
        for g in &groups {
            let cves: Vec<&String> = g.iter().filter(|n| n.starts_with("CVE-")).collect();
            let identity = if cves.len() == 1 {
                cves[0].clone()
            } else {
                // The last record of an id decides its publication.
                let published = |n: &String| {
                    inputs
                        .iter()
                        .rev()
                        .find(|(id, _, _)| id == n)
                        .map(|(_, _, p)| p.clone())
                };
                g.iter()
                    .filter_map(|n| published(n).map(|p| (p, n.clone())))
                    .min()
                    .map(|(_, n)| n)
                    .unwrap_or_else(|| g.iter().next().cloned().unwrap_or_default())
            };
            for n in g {
                out.push((n.clone(), identity.clone()));
            }
        }
        out.sort();
        out
    }

    proptest::proptest! {
        #[test]
        fn matches_the_slow_reference(
            inputs in proptest::collection::vec(
                (
                    "(CVE|GHSA|PYSEC)-[1-6]",
                    proptest::collection::vec("(CVE|GHSA|OSV)-[1-6]", 0..3),
                    "202[0-2]",
                ),
                0..12,
            )
        ) {
            let fast: Vec<(String, String)> = cluster(inputs.iter().map(|(id, aliases, p)| ClusterInput {
                id,
                aliases,
                published: Some(p),
            }))
            .into_iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
            proptest::prop_assert_eq!(fast, reference(&inputs));
        }
    }
}
