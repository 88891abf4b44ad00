//! Alias clustering: advisories that share an id or alias, directly or through others, describe
//! one vulnerability. Each cluster gets one identity: the CVE id when the cluster holds exactly
//! one, else the id of its earliest-published advisory (ties broken by id). Every id of the
//! cluster, advisory ids and aliases alike, maps to that identity.

use std::collections::{BTreeMap, HashMap};

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

/// Union-find over string ids.
struct Sets {
    index: HashMap<String, usize>,
    parent: Vec<usize>,
}

impl Sets {
    fn id(&mut self, s: &str) -> usize {
        if let Some(&i) = self.index.get(s) {
            return i;
        }
        let i = self.parent.len();
        self.parent.push(i);
        self.index.insert(s.to_string(), i);
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

/// Maps every id and alias of `advisories` to its vulnerability identity.
pub fn cluster<'a>(
    advisories: impl IntoIterator<Item = ClusterInput<'a>>,
) -> BTreeMap<String, String> {
    let mut sets = Sets {
        index: HashMap::new(),
        parent: Vec::new(),
    };
    let mut published: HashMap<&'a str, Option<&'a str>> = HashMap::new();
    for a in advisories {
        let root = sets.id(a.id);
        for alias in a.aliases {
            let other = sets.id(alias);
            sets.union(root, other);
        }
        published.insert(a.id, a.published);
    }
    let names: Vec<String> = {
        let mut v = vec![String::new(); sets.parent.len()];
        for (name, &i) in &sets.index {
            v[i] = name.clone();
        }
        v
    };
    let mut members: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for i in 0..names.len() {
        let root = sets.find(i);
        members.entry(root).or_default().push(i);
    }
    let mut out = BTreeMap::new();
    for ids in members.values() {
        let mut cves = ids
            .iter()
            .map(|&i| &names[i])
            .filter(|n| n.starts_with("CVE-"));
        let identity = match (cves.next(), cves.next()) {
            (Some(cve), None) => cve.clone(),
            _ => ids
                .iter()
                .map(|&i| &names[i])
                .filter_map(|n| published.get(n.as_str()).map(|p| (p.unwrap_or("9999"), n)))
                .min()
                .map(|(_, n)| n.clone())
                .unwrap_or_else(|| {
                    ids.iter()
                        .map(|&i| names[i].clone())
                        .min()
                        .unwrap_or_default()
                }),
        };
        for &i in ids {
            out.insert(names[i].clone(), identity.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(map["DEBIAN-CVE-2021-44228"], "CVE-2021-44228");
        assert_eq!(map["GHSA-jfh8-c2jp-5v3q"], "CVE-2021-44228");
        assert_eq!(map["CVE-2021-44228"], "CVE-2021-44228");
        assert_eq!(map["RUSTSEC-2099-0001"], "RUSTSEC-2099-0001");
    }

    #[test]
    fn two_cves_or_none_fall_back_to_the_earliest_published_advisory() {
        let a1 = vec!["CVE-2020-1".to_string(), "CVE-2020-2".to_string()];
        let a2 = vec!["GHSA-late".to_string()];
        let map = cluster([
            input("GHSA-late", &a1, "2020-06-01T00:00:00Z"),
            input("PYSEC-early", &a2, "2020-01-01T00:00:00Z"),
        ]);
        assert_eq!(map["CVE-2020-2"], "PYSEC-early");
        assert_eq!(map["GHSA-late"], "PYSEC-early");
        let none: Vec<String> = vec!["OTHER-1".into()];
        let map = cluster([
            input("X-2", &none, "2022-01-01T00:00:00Z"),
            input("X-1", &none, "2022-01-01T00:00:00Z"),
        ]);
        assert_eq!(map["OTHER-1"], "X-1", "ties broken by id");
    }
}
