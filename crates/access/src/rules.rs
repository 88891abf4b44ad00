//! Roles and the authorisation rules.
//!
//! | role | reads | writes | approves risk acceptances | partner reports |
//! |---|---|---|---|---|
//! | `admin` | every product | every product, users and tokens | yes | every product |
//! | `maintainer` | the products granted | the products granted | no | the products granted |
//! | `auditor` | every product | nothing | yes | every product |
//! | `partner` | nothing | nothing | no | the products granted |
//!
//! A maintainer cannot approve a risk acceptance: the person who patches does not sign off
//! on not patching. Checks take the product's row id; a principal's grants are row ids too.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// What a user may do, before product grants narrow it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Role {
    /// Everything, on every product; manages users and tokens.
    Admin,
    /// Reads and changes the products granted.
    Maintainer,
    /// Reads every product; approves risk acceptances; changes nothing else.
    Auditor,
    /// Reads the partner reports of the products granted, nothing else.
    Partner,
}

impl Role {
    /// Every role, most powerful first.
    pub const ALL: [Role; 4] = [Role::Admin, Role::Maintainer, Role::Auditor, Role::Partner];

    /// The name stored in the database and used on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Maintainer => "maintainer",
            Role::Auditor => "auditor",
            Role::Partner => "partner",
        }
    }

    /// Whether product grants mean anything for this role (maintainers and partners).
    pub fn uses_grants(self) -> bool {
        matches!(self, Role::Maintainer | Role::Partner)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A role name that is not one of ours.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoleParseError(pub String);

impl fmt::Display for RoleParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown role {:?}: expected admin, maintainer, auditor or partner",
            self.0
        )
    }
}

impl std::error::Error for RoleParseError {}

impl FromStr for Role {
    type Err = RoleParseError;

    fn from_str(s: &str) -> Result<Role, RoleParseError> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| RoleParseError(s.to_string()))
    }
}

/// Whether `name` may be a username: 1 to 64 characters, letters, digits and `. _ @ -`
/// (an e-mail address fits), starting with a letter or digit.
pub fn valid_username(name: &str) -> bool {
    let mut chars = name.chars();
    name.chars().count() <= 64
        && chars.next().is_some_and(|c| c.is_alphanumeric())
        && chars.all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '@' | '-'))
}

/// The user a request or command acts as, with the products granted to it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Principal {
    /// The user's row id.
    pub user_id: i64,
    /// The user's name (what the audit log records as the actor).
    pub username: String,
    /// The user's role.
    pub role: Role,
    /// Row ids of the products granted (meaningful for maintainers and partners).
    pub products: Vec<i64>,
}

/// Which products a principal may list or read: for filtering list queries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProductScope {
    /// Every product.
    All,
    /// Only these (possibly none).
    Only(Vec<i64>),
}

impl ProductScope {
    /// Whether `product_id` is in scope.
    pub fn contains(&self, product_id: i64) -> bool {
        match self {
            ProductScope::All => true,
            ProductScope::Only(ids) => ids.contains(&product_id),
        }
    }
}

impl Principal {
    fn granted(&self, product_id: i64) -> bool {
        self.products.contains(&product_id)
    }

    /// Admins: users, tokens, configuration, and everything below.
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// May read the product's findings, artifacts, projects and audit entries.
    pub fn can_read_product(&self, product_id: i64) -> bool {
        match self.role {
            Role::Admin | Role::Auditor => true,
            Role::Maintainer => self.granted(product_id),
            Role::Partner => false,
        }
    }

    /// May change the product: record scans, move findings through their lifecycle, add
    /// exceptions, record deployments.
    pub fn can_write_product(&self, product_id: i64) -> bool {
        match self.role {
            Role::Admin => true,
            Role::Maintainer => self.granted(product_id),
            Role::Auditor | Role::Partner => false,
        }
    }

    /// May approve (sign) a risk acceptance on the product's findings.
    pub fn can_approve_risk(&self, product_id: i64) -> bool {
        let _ = product_id;
        matches!(self.role, Role::Admin | Role::Auditor)
    }

    /// May read the product's partner report (the summary shared with customers and
    /// suppliers).
    pub fn can_read_partner_report(&self, product_id: i64) -> bool {
        match self.role {
            Role::Admin | Role::Auditor => true,
            Role::Maintainer | Role::Partner => self.granted(product_id),
        }
    }

    /// The products whose data (findings, artifacts...) this principal may list.
    pub fn readable_products(&self) -> ProductScope {
        match self.role {
            Role::Admin | Role::Auditor => ProductScope::All,
            Role::Maintainer => ProductScope::Only(self.products.clone()),
            Role::Partner => ProductScope::Only(Vec::new()),
        }
    }
}

/// [`Principal::is_admin`] as a free function.
pub fn is_admin(p: &Principal) -> bool {
    p.is_admin()
}

/// [`Principal::can_read_product`] as a free function.
pub fn can_read_product(p: &Principal, product_id: i64) -> bool {
    p.can_read_product(product_id)
}

/// [`Principal::can_write_product`] as a free function.
pub fn can_write_product(p: &Principal, product_id: i64) -> bool {
    p.can_write_product(product_id)
}

/// [`Principal::can_approve_risk`] as a free function.
pub fn can_approve_risk(p: &Principal, product_id: i64) -> bool {
    p.can_approve_risk(product_id)
}

/// [`Principal::can_read_partner_report`] as a free function.
pub fn can_read_partner_report(p: &Principal, product_id: i64) -> bool {
    p.can_read_partner_report(product_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Product 1 is granted to the maintainer and the partner; product 2 to nobody.
    const GRANTED: i64 = 1;
    const OTHER: i64 = 2;

    fn principal(role: Role) -> Principal {
        Principal {
            user_id: 7,
            username: role.as_str().into(),
            role,
            products: if role.uses_grants() {
                vec![GRANTED]
            } else {
                Vec::new()
            },
        }
    }

    type Check = fn(&Principal, i64) -> bool;

    /// (check name, check, role, product, expected).
    fn table() -> Vec<(&'static str, Check, Role, i64, bool)> {
        use Role::*;
        let read: Check = can_read_product;
        let write: Check = can_write_product;
        let approve: Check = can_approve_risk;
        let partner: Check = can_read_partner_report;
        vec![
            ("read", read, Admin, GRANTED, true),
            ("read", read, Admin, OTHER, true),
            ("read", read, Maintainer, GRANTED, true),
            ("read", read, Maintainer, OTHER, false),
            ("read", read, Auditor, GRANTED, true),
            ("read", read, Auditor, OTHER, true),
            ("read", read, Partner, GRANTED, false),
            ("read", read, Partner, OTHER, false),
            ("write", write, Admin, GRANTED, true),
            ("write", write, Admin, OTHER, true),
            ("write", write, Maintainer, GRANTED, true),
            ("write", write, Maintainer, OTHER, false),
            ("write", write, Auditor, GRANTED, false),
            ("write", write, Auditor, OTHER, false),
            ("write", write, Partner, GRANTED, false),
            ("write", write, Partner, OTHER, false),
            ("approve", approve, Admin, GRANTED, true),
            ("approve", approve, Admin, OTHER, true),
            ("approve", approve, Maintainer, GRANTED, false),
            ("approve", approve, Maintainer, OTHER, false),
            ("approve", approve, Auditor, GRANTED, true),
            ("approve", approve, Auditor, OTHER, true),
            ("approve", approve, Partner, GRANTED, false),
            ("approve", approve, Partner, OTHER, false),
            ("partner", partner, Admin, GRANTED, true),
            ("partner", partner, Admin, OTHER, true),
            ("partner", partner, Maintainer, GRANTED, true),
            ("partner", partner, Maintainer, OTHER, false),
            ("partner", partner, Auditor, GRANTED, true),
            ("partner", partner, Auditor, OTHER, true),
            ("partner", partner, Partner, GRANTED, true),
            ("partner", partner, Partner, OTHER, false),
        ]
    }

    #[test]
    fn every_role_boundary() {
        let rows = table();
        // Four checks x four roles x two products: the table leaves nothing out.
        assert_eq!(rows.len(), 32);
        for (name, check, role, product, expected) in rows {
            assert_eq!(
                check(&principal(role), product),
                expected,
                "{name} by {role} on product {product}"
            );
        }
    }

    #[test]
    fn only_admins_are_admins() {
        for role in Role::ALL {
            assert_eq!(is_admin(&principal(role)), role == Role::Admin, "{role}");
        }
    }

    #[test]
    fn grants_do_not_widen_auditors_or_partners() {
        // A partner granted a product still cannot read its findings or change it; an
        // auditor with a stray grant still cannot write.
        let mut partner = principal(Role::Partner);
        partner.products = vec![GRANTED, OTHER];
        assert!(!partner.can_read_product(OTHER));
        assert!(!partner.can_write_product(GRANTED));
        let mut auditor = principal(Role::Auditor);
        auditor.products = vec![GRANTED];
        assert!(!auditor.can_write_product(GRANTED));
    }

    #[test]
    fn a_maintainer_without_grants_reaches_nothing() {
        let mut m = principal(Role::Maintainer);
        m.products.clear();
        assert!(!m.can_read_product(GRANTED));
        assert!(!m.can_write_product(GRANTED));
        assert!(!m.can_read_partner_report(GRANTED));
        assert_eq!(m.readable_products(), ProductScope::Only(Vec::new()));
    }

    #[test]
    fn readable_products_match_can_read_product() {
        for role in Role::ALL {
            let p = principal(role);
            let scope = p.readable_products();
            for product in [GRANTED, OTHER] {
                assert_eq!(
                    scope.contains(product),
                    p.can_read_product(product),
                    "{role} {product}"
                );
            }
        }
    }

    #[test]
    fn usernames() {
        for ok in ["alice", "a", "alice.smith@example.com", "ci-bot_2"] {
            assert!(valid_username(ok), "{ok}");
        }
        for bad in ["", "-x", "has space", "tab\t", "a/b", &"x".repeat(65)] {
            assert!(!valid_username(bad), "{bad}");
        }
    }

    #[test]
    fn role_names_round_trip() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
            assert_eq!(
                serde_json::to_string(&role).ok(),
                Some(format!("\"{role}\""))
            );
        }
        assert!("Admin".parse::<Role>().is_err());
        assert!("root".parse::<Role>().is_err());
    }
}
