//! Maven `pom.xml`: the dependencies a project declares.
//!
//! A POM is an XML `<project>`. What is read: `<dependencies>` directly under `<project>` (not
//! those of plugins or of profiles, which only apply when a profile is activated), with versions
//! taken from the dependency itself or else from the file's `<dependencyManagement>` (matched on
//! `groupId:artifactId:type:classifier`, as Maven does). `${...}` references are resolved from
//! `<properties>` and the built-in `project.groupId`, `project.artifactId`, `project.version`
//! and `project.parent.*` (also spelled `pom.*`), recursively, with cycles detected and depth
//! and length bounded. Scope `test` gives [`Scope::Dev`]; `provided`, `system` and
//! `<optional>true</optional>` give [`Scope::Optional`]. Every declared dependency is direct.
//!
//! Nothing is fetched: a version that comes from a parent POM or an imported BOM, or from a
//! property the file does not define, becomes a warning, as do version ranges (`[1.0,2.0)`).
//! The XML reader never expands a DOCTYPE or custom entities; text that uses one is reported.

use std::collections::{HashMap, HashSet};

use patchwarden_core::{Component, Ecosystem, EcosystemKind, Location, Scope};
use quick_xml::Reader;
use quick_xml::events::Event;

use crate::{ParseError, Parsed, Warning};

/// Deepest element nesting accepted; real POMs stay under 15.
const MAX_DEPTH: usize = 128;
/// Most elements accepted in one file.
const MAX_ELEMENTS: usize = 1_000_000;
/// Deepest chain of properties referring to properties.
const MAX_PROPERTY_DEPTH: usize = 32;
/// Longest value a property reference may expand to.
const MAX_EXPANDED_LEN: usize = 4096;
/// Most property look-ups in one file, so that references which expand to little but branch
/// widely (`<a>${b}${b}${b}</a>`, nested) cannot take exponential time.
const MAX_LOOKUPS: usize = 1_000_000;

/// One XML element: local name, text, children and the line of its start tag.
#[derive(Debug, Default)]
struct Node {
    name: String,
    text: String,
    /// The text used an entity the reader does not expand (`&custom;`).
    raw_entity: bool,
    children: Vec<Node>,
    line: u32,
}

impl Node {
    fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }

    fn children<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// Trimmed text of a child element, if present.
    fn text_of(&self, name: &str) -> Option<&str> {
        self.child(name).map(|c| c.text.trim())
    }
}

/// Byte offsets of line starts, to turn a reader position into a 1-based line.
fn line_starts(text: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect()
}

fn line_at(starts: &[usize], offset: u64) -> u32 {
    let offset = usize::try_from(offset).unwrap_or(usize::MAX);
    let line = match starts.binary_search(&offset) {
        Ok(i) => i + 1,
        Err(i) => i,
    };
    u32::try_from(line).unwrap_or(u32::MAX)
}

/// Parses the XML into a tree of elements, refusing deep nesting and huge element counts.
fn read_tree(text: &str) -> Result<Node, ParseError> {
    let xml_error = |e: &dyn std::fmt::Display| ParseError(format!("not well-formed XML: {e}"));
    let starts = line_starts(text);
    let mut reader = Reader::from_str(text);
    let mut stack: Vec<Node> = Vec::new();
    let mut root: Option<Node> = None;
    let mut count = 0usize;
    loop {
        let position = reader.buffer_position();
        let event = reader.read_event().map_err(|e| xml_error(&e))?;
        match event {
            Event::Start(e) | Event::Empty(e) if root.is_some() => {
                let _ = e;
                return Err(ParseError(
                    "not well-formed XML: more than one root element".into(),
                ));
            }
            Event::Start(ref e) | Event::Empty(ref e) => {
                count += 1;
                if count > MAX_ELEMENTS {
                    return Err(ParseError(format!(
                        "more than {MAX_ELEMENTS} XML elements; refusing to read further"
                    )));
                }
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                let node = Node {
                    name,
                    line: line_at(&starts, position),
                    ..Node::default()
                };
                if matches!(event, Event::Empty(_)) {
                    attach(&mut stack, &mut root, node);
                } else {
                    if stack.len() >= MAX_DEPTH {
                        return Err(ParseError(format!(
                            "XML elements nested deeper than {MAX_DEPTH} levels"
                        )));
                    }
                    stack.push(node);
                }
            }
            Event::End(_) => {
                if let Some(node) = stack.pop() {
                    attach(&mut stack, &mut root, node);
                }
            }
            Event::Text(t) => {
                if let Some(top) = stack.last_mut() {
                    let s = t.xml_content().map_err(|e| xml_error(&e))?;
                    top.text.push_str(&s);
                }
            }
            Event::CData(t) => {
                if let Some(top) = stack.last_mut() {
                    let s = t.decode().map_err(|e| xml_error(&e))?;
                    top.text.push_str(&s);
                }
            }
            Event::GeneralRef(r) => {
                if let Some(top) = stack.last_mut() {
                    let name = r.decode().map_err(|e| xml_error(&e))?;
                    if let Some(c) = r.resolve_char_ref().map_err(|e| xml_error(&e))? {
                        top.text.push(c);
                    } else if let Some(c) = predefined_entity(&name) {
                        top.text.push(c);
                    } else {
                        // Custom entities (declared in a DOCTYPE) are never expanded.
                        top.raw_entity = true;
                        top.text.push('&');
                        top.text.push_str(&name);
                        top.text.push(';');
                    }
                }
            }
            Event::Eof => break,
            // Declarations, comments, processing instructions and DOCTYPE are skipped: the
            // DOCTYPE's entity definitions in particular are never read.
            _ => {}
        }
    }
    if !stack.is_empty() {
        return Err(ParseError(
            "not well-formed XML: the file ends inside an element".into(),
        ));
    }
    root.ok_or_else(|| ParseError("not a Maven POM: no XML element".into()))
}

fn attach(stack: &mut [Node], root: &mut Option<Node>, node: Node) {
    match stack.last_mut() {
        Some(parent) => parent.children.push(node),
        None => *root = Some(node),
    }
}

fn predefined_entity(name: &str) -> Option<char> {
    Some(match name {
        "lt" => '<',
        "gt" => '>',
        "amp" => '&',
        "apos" => '\'',
        "quot" => '"',
        _ => return None,
    })
}

/// Why a `${...}` reference could not be resolved.
#[derive(Debug, PartialEq, Eq)]
enum Unresolved {
    /// No such property in the file.
    Missing(String),
    /// Properties refer to each other in a loop.
    Cycle(String),
    /// Too deep or too long an expansion.
    TooBig,
    /// An unexpanded XML entity was used.
    Entity,
}

impl std::fmt::Display for Unresolved {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unresolved::Missing(k) => write!(
                f,
                "property `{k}` is not defined in this file (it may come from a parent POM)"
            ),
            Unresolved::Cycle(k) => write!(f, "property `{k}` refers to itself"),
            Unresolved::TooBig => write!(f, "property references expand too deeply or too long"),
            Unresolved::Entity => write!(f, "it uses an XML entity, which is not expanded"),
        }
    }
}

/// The properties of a POM: `<properties>` and the built-in `project.*` values.
struct Properties {
    values: HashMap<String, (String, bool)>,
    /// Look-ups made so far, across the whole file.
    lookups: std::cell::Cell<usize>,
}

impl Properties {
    fn new(project: &Node) -> Self {
        let mut values = HashMap::new();
        if let Some(props) = project.child("properties") {
            for p in &props.children {
                // The first definition wins, as in Maven's model reader.
                values
                    .entry(p.name.clone())
                    .or_insert_with(|| (p.text.trim().to_string(), p.raw_entity));
            }
        }
        let parent = project.child("parent");
        let field = |node: Option<&Node>, name: &str| {
            node.and_then(|n| n.child(name))
                .map(|c| (c.text.trim().to_string(), c.raw_entity))
        };
        let mut builtin = |key: &str, value: Option<(String, bool)>| {
            if let Some(v) = value {
                values.insert(format!("project.{key}"), v.clone());
                values.insert(format!("pom.{key}"), v);
            }
        };
        builtin(
            "groupId",
            field(Some(project), "groupId").or_else(|| field(parent, "groupId")),
        );
        builtin("artifactId", field(Some(project), "artifactId"));
        builtin(
            "version",
            field(Some(project), "version").or_else(|| field(parent, "version")),
        );
        for key in ["groupId", "artifactId", "version"] {
            builtin(&format!("parent.{key}"), field(parent, key));
        }
        Properties {
            values,
            lookups: std::cell::Cell::new(0),
        }
    }

    /// Replaces every `${key}` in `s`, recursively.
    fn resolve(&self, s: &str, raw_entity: bool) -> Result<String, Unresolved> {
        if raw_entity {
            return Err(Unresolved::Entity);
        }
        let mut stack = Vec::new();
        self.expand(s, &mut stack)
    }

    fn expand(&self, s: &str, stack: &mut Vec<String>) -> Result<String, Unresolved> {
        if stack.len() > MAX_PROPERTY_DEPTH {
            return Err(Unresolved::TooBig);
        }
        let mut out = String::new();
        let mut rest = s;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let Some(end) = after.find('}') else {
                // An unterminated `${` is kept as text.
                out.push_str(&rest[start..]);
                rest = "";
                break;
            };
            let key = after[..end].trim();
            self.lookups.set(self.lookups.get().saturating_add(1));
            if self.lookups.get() > MAX_LOOKUPS {
                return Err(Unresolved::TooBig);
            }
            if stack.iter().any(|k| k == key) {
                return Err(Unresolved::Cycle(key.to_string()));
            }
            let Some((value, raw_entity)) = self.values.get(key) else {
                return Err(Unresolved::Missing(key.to_string()));
            };
            if *raw_entity {
                return Err(Unresolved::Entity);
            }
            stack.push(key.to_string());
            let expanded = self.expand(value, stack)?;
            stack.pop();
            out.push_str(&expanded);
            if out.len() > MAX_EXPANDED_LEN {
                return Err(Unresolved::TooBig);
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        if out.len() > MAX_EXPANDED_LEN {
            return Err(Unresolved::TooBig);
        }
        Ok(out)
    }
}

/// A `<dependencyManagement>` entry: its version (if any, resolved or not) and scope.
type Managed = (Option<Result<String, Unresolved>>, Option<String>);

/// A dependency's coordinates, resolved where possible.
struct Coordinates {
    group: String,
    artifact: String,
    version: Option<Result<String, Unresolved>>,
    kind: String,
    classifier: String,
    scope: Option<String>,
    optional: bool,
}

fn coordinates(dep: &Node, props: &Properties) -> Result<Coordinates, Unresolved> {
    let field = |name: &str| -> Option<Result<String, Unresolved>> {
        dep.child(name)
            .map(|c| props.resolve(c.text.trim(), c.raw_entity))
    };
    let group = field("groupId").unwrap_or(Ok(String::new()))?;
    let artifact = field("artifactId").unwrap_or(Ok(String::new()))?;
    let kind = field("type")
        .and_then(Result::ok)
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| "jar".into());
    let classifier = field("classifier").and_then(Result::ok).unwrap_or_default();
    let scope = field("scope")
        .and_then(Result::ok)
        .filter(|s| !s.is_empty());
    let optional = field("optional")
        .and_then(Result::ok)
        .is_some_and(|o| o.eq_ignore_ascii_case("true"));
    let version = field("version").filter(|v| !matches!(v, Ok(s) if s.is_empty()));
    Ok(Coordinates {
        group,
        artifact,
        version,
        kind,
        classifier,
        scope,
        optional,
    })
}

/// Whether a version is a range (`[1.0,2.0)`, `(,1.0]`) or a soft requirement list.
fn is_range(v: &str) -> bool {
    v.starts_with(['[', '(']) || v.ends_with([']', ')']) || v.contains(',')
}

/// Reads a `pom.xml`. See the module documentation for what is read.
pub fn parse_pom(path: &str, text: &str) -> Result<Parsed, ParseError> {
    let project = read_tree(text)?;
    if project.name != "project" {
        return Err(ParseError(format!(
            "not a Maven POM: the root element is `{}`, not `project`",
            project.name
        )));
    }
    let props = Properties::new(&project);
    let mut parsed = Parsed::default();
    let mut warn = |line: u32, message: String| {
        parsed.warnings.push(Warning {
            path: path.to_string(),
            line: Some(line),
            message,
        })
    };

    // Managed versions and scopes, keyed by groupId:artifactId:type:classifier.
    let mut managed: HashMap<String, Managed> = HashMap::new();
    let mut boms: Vec<String> = Vec::new();
    let management = project
        .child("dependencyManagement")
        .and_then(|m| m.child("dependencies"));
    for dep in management.iter().flat_map(|d| d.children("dependency")) {
        let Ok(c) = coordinates(dep, &props) else {
            continue;
        };
        if c.scope.as_deref() == Some("import") {
            let version = match &c.version {
                Some(Ok(v)) => v.as_str(),
                _ => "?",
            };
            boms.push(format!("{}:{}:{version}", c.group, c.artifact));
            continue;
        }
        let key = format!("{}:{}:{}:{}", c.group, c.artifact, c.kind, c.classifier);
        managed.entry(key).or_insert((c.version, c.scope));
    }
    let inherited_from = {
        let mut from: Vec<String> = Vec::new();
        if let Some(parent) = project.child("parent") {
            from.push(format!(
                "parent {}:{}:{}",
                parent.text_of("groupId").unwrap_or("?"),
                parent.text_of("artifactId").unwrap_or("?"),
                parent.text_of("version").unwrap_or("?")
            ));
        }
        for bom in &boms {
            from.push(format!("BOM {bom}"));
        }
        if from.is_empty() {
            "no parent POM or BOM is declared".to_string()
        } else {
            format!("it may come from {}", from.join(" or "))
        }
    };

    let mut components: Vec<Component> = Vec::new();
    let mut seen: HashSet<(String, String)> = HashSet::new();
    let declared = project.child("dependencies");
    for dep in declared.iter().flat_map(|d| d.children("dependency")) {
        let line = dep.line;
        let c = match coordinates(dep, &props) {
            Ok(c) => c,
            Err(why) => {
                warn(line, format!("dependency skipped: {why}"));
                continue;
            }
        };
        if c.group.is_empty() || c.artifact.is_empty() {
            warn(
                line,
                "dependency without groupId or artifactId; skipped".into(),
            );
            continue;
        }
        let name = format!("{}:{}", c.group, c.artifact);
        let key = format!("{name}:{}:{}", c.kind, c.classifier);
        let (managed_version, managed_scope) = match managed.get(&key) {
            Some((v, s)) => (v.as_ref(), s.as_deref()),
            None => (None, None),
        };
        let version = match (&c.version, managed_version) {
            (Some(v), _) => v,
            (None, Some(v)) => v,
            (None, None) => {
                warn(
                    line,
                    format!("{name} has no version in this file ({inherited_from}); not scanned"),
                );
                continue;
            }
        };
        let version = match version {
            Ok(v) => v,
            Err(why) => {
                warn(
                    line,
                    format!("{name}: version not resolved: {why}; not scanned"),
                );
                continue;
            }
        };
        if is_range(version) {
            warn(
                line,
                format!("{name} {version} is a version range, not one version; not scanned"),
            );
            continue;
        }
        if version.contains("${") || version.chars().any(char::is_whitespace) {
            warn(
                line,
                format!("{name}: `{version}` is not a version; not scanned"),
            );
            continue;
        }
        let scope_name = c.scope.as_deref().or(managed_scope).unwrap_or("compile");
        let scope = if scope_name == "test" {
            Scope::Dev
        } else if c.optional || matches!(scope_name, "provided" | "system") {
            Scope::Optional
        } else {
            Scope::Required
        };
        if !seen.insert((name.clone(), version.clone())) {
            continue;
        }
        let mut component = Component::new(
            Ecosystem::new(EcosystemKind::Maven),
            name,
            version.clone(),
            Location::at(path, Some(line)),
        );
        component.direct = Some(true);
        component.scope = scope;
        components.push(component);
    }
    parsed.components = components;
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pom(deps: &str) -> String {
        format!(
            r#"<?xml version="1.0"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <parent><groupId>org.p</groupId><artifactId>parent</artifactId><version>3.0.0</version></parent>
  <artifactId>app</artifactId>
  <properties>
    <a.version>${{b.version}}</a.version>
    <b.version>1.2.3</b.version>
    <loop1>${{loop2}}</loop1>
    <loop2>${{loop1}}</loop2>
  </properties>
  <dependencyManagement><dependencies>
    <dependency><groupId>g</groupId><artifactId>managed</artifactId><version>${{a.version}}</version><scope>test</scope></dependency>
    <dependency><groupId>g</groupId><artifactId>bom</artifactId><version>9</version><type>pom</type><scope>import</scope></dependency>
  </dependencies></dependencyManagement>
  <dependencies>
{deps}
  </dependencies>
</project>
"#
        )
    }

    fn rows(p: &Parsed) -> Vec<(String, String, Scope)> {
        p.components
            .iter()
            .map(|c| (c.name.clone(), c.version.clone(), c.scope))
            .collect()
    }

    #[test]
    fn resolves_properties_management_and_scopes() {
        let text = pom(r#"
    <dependency><groupId>g</groupId><artifactId>managed</artifactId></dependency>
    <dependency><groupId>${project.groupId}</groupId><artifactId>sibling</artifactId><version>${project.version}</version></dependency>
    <dependency><groupId>g</groupId><artifactId>opt</artifactId><version>1</version><optional>true</optional></dependency>
    <dependency><groupId>g</groupId><artifactId>prov</artifactId><version>2</version><scope>provided</scope></dependency>
    <dependency><groupId>g</groupId><artifactId>fromparent</artifactId></dependency>
    <dependency><groupId>g</groupId><artifactId>range</artifactId><version>[1.0,2.0)</version></dependency>
    <dependency><groupId>g</groupId><artifactId>loop</artifactId><version>${loop1}</version></dependency>
    <dependency><groupId>g</groupId><artifactId>missing</artifactId><version>${nope}</version></dependency>"#);
        let p = parse_pom("pom.xml", &text).unwrap_or_else(|e| panic!("{}", e.0));
        let s = |a: &str| a.to_string();
        assert_eq!(
            rows(&p),
            [
                (s("g:managed"), s("1.2.3"), Scope::Dev),
                (s("org.p:sibling"), s("3.0.0"), Scope::Required),
                (s("g:opt"), s("1"), Scope::Optional),
                (s("g:prov"), s("2"), Scope::Optional),
            ]
        );
        assert_eq!(p.components[0].source.line, Some(17));
        let messages: Vec<_> = p.warnings.iter().map(|w| w.message.as_str()).collect();
        assert_eq!(messages.len(), 4, "{messages:?}");
        assert!(messages[0].contains("parent org.p:parent:3.0.0 or BOM g:bom:9"));
        assert!(messages[1].contains("range"));
        assert!(messages[2].contains("refers to itself"));
        assert!(messages[3].contains("`nope`"));
    }

    #[test]
    fn entities_are_not_expanded() {
        let text = r#"<?xml version="1.0"?>
<!DOCTYPE project [<!ENTITY v "6.6.6"><!ENTITY lol "&v;&v;&v;">]>
<project><dependencies>
<dependency><groupId>g</groupId><artifactId>a</artifactId><version>&v;</version></dependency>
<dependency><groupId>g</groupId><artifactId>b</artifactId><version>1&#46;0&amp;</version></dependency>
</dependencies></project>"#;
        let p = parse_pom("pom.xml", text).unwrap_or_else(|e| panic!("{}", e.0));
        assert_eq!(p.components.len(), 1);
        assert_eq!(p.components[0].version, "1.0&");
        assert_eq!(p.warnings.len(), 1);
        assert!(p.warnings[0].message.contains("entity"));
    }

    #[test]
    fn malformed_xml_is_an_error() {
        assert!(parse_pom("pom.xml", "<project><dependencies></project>").is_err());
        assert!(parse_pom("pom.xml", "<project>").is_err());
        assert!(parse_pom("pom.xml", "<other/>").is_err());
        assert!(parse_pom("pom.xml", "").is_err());
        let deep = "<a>".repeat(1000);
        assert!(parse_pom("pom.xml", &deep).is_err());
    }
}
