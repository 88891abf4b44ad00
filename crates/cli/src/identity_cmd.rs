//! The identity commands: `user` and `token`. They bootstrap the first admin and manage who
//! may use `patchwarden serve`. Every change is one audited transaction acting as `--actor`.
//!
//! Secrets never pass through argv: a password is read from stdin (`--password-stdin`), and a
//! new API token is printed once on stdout; the database keeps its SHA-256 digest only.

use std::io::Read;

use anyhow::{Context, Result, anyhow, bail};
use clap::Subcommand;
use patchwarden_access::Role;
use patchwarden_access::secrets;
use patchwarden_store::{ApiToken, Product, Store, TokenState, User};
use time::{Date, Duration};

use crate::portfolio_cmd::{actor, render, table};
use crate::{Global, OutputArgs, now_rfc3339, open_store};

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Create a user with a role; maintainers and partners get products with --grant.
    Add {
        /// Unique name: letters, digits, '.', '_', '@', '-'.
        name: String,
        /// admin (everything), maintainer (the products granted), auditor (reads
        /// everything, approves risk acceptances), partner (the partner reports of the
        /// products granted).
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// A product the user may work on (repeatable; maintainers and partners).
        #[arg(long, value_name = "PRODUCT")]
        grant: Vec<String>,
        /// Read a password for the dashboard login from stdin (at least 12 characters; one
        /// trailing newline is dropped). Without it the user has API tokens only.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Set a user's password, read from stdin.
    Password {
        /// The user.
        name: String,
        /// Read the password from stdin (required: passwords never go on the command line).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// Grant a product to a maintainer or partner.
    Grant {
        /// The user.
        name: String,
        /// The product.
        product: String,
    },
    /// Take a product away from a user.
    Revoke {
        /// The user.
        name: String,
        /// The product.
        product: String,
    },
    /// Disable a user: no login, its tokens and sessions stop working.
    Disable {
        /// The user.
        name: String,
    },
    /// Enable a disabled user again.
    Enable {
        /// The user.
        name: String,
    },
    /// List users with their role and products.
    List {
        #[command(flatten)]
        output: OutputArgs,
    },
}

#[derive(Subcommand, Debug)]
pub enum TokenCommand {
    /// Create an API token for a user; it is printed once, on stdout.
    Create {
        /// The user the token acts as.
        #[arg(long, value_name = "NAME")]
        user: String,
        /// A label, to recognise it in lists (`ci`, `grafana`).
        #[arg(long, value_name = "LABEL")]
        name: String,
        /// The last day (UTC) the token works, YYYY-MM-DD. Default: no expiry.
        #[arg(long, value_name = "DATE")]
        expires: Option<String>,
    },
    /// List API tokens (their first 8 characters only), newest first.
    List {
        /// Only this user's.
        #[arg(long, value_name = "NAME")]
        user: Option<String>,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Revoke an API token at once.
    Revoke {
        /// Token id (see `patchwarden token list`).
        id: i64,
    },
}

fn parse_role(text: &str) -> Result<Role, String> {
    text.parse().map_err(|e| format!("{e}"))
}

/// Reads the password from stdin: everything up to EOF, less one trailing newline.
fn read_password() -> Result<String> {
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .context("cannot read the password from stdin")?;
    if text.ends_with('\n') {
        text.pop();
        if text.ends_with('\r') {
            text.pop();
        }
    }
    secrets::check_password_strength(&text)
        .map_err(|e| anyhow!("{e} (the password read from stdin)"))?;
    Ok(text)
}

async fn product_named(store: &Store, name: &str) -> Result<Product> {
    store
        .product(name)
        .await?
        .ok_or_else(|| anyhow!("no product named {name}"))
}

async fn user_named(store: &Store, name: &str) -> Result<User> {
    store
        .user(name)
        .await?
        .ok_or_else(|| anyhow!("no user named {name}"))
}

fn refuse_grants(role: Role) -> Result<()> {
    if !role.uses_grants() {
        bail!("{role} users are not limited to products: grants apply to maintainers and partners");
    }
    Ok(())
}

/// `--expires YYYY-MM-DD` → the instant the token stops working: the start of the next day
/// (UTC). It must lie in the future.
fn expiry(text: &str, now: &str) -> Result<String> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let bad = || anyhow!("--expires {text}: expected a date YYYY-MM-DD");
    if text.len() != 10 {
        return Err(bad());
    }
    let day = Date::parse(text, &format).map_err(|_| bad())?;
    let end = day
        .checked_add(Duration::days(1))
        .ok_or_else(bad)?
        .format(&format)
        .map_err(|_| bad())?;
    let at = format!("{end}T00:00:00Z");
    if at.as_str() <= now {
        bail!("--expires {text} is in the past");
    }
    Ok(at)
}

fn grant_names(user: &User) -> String {
    if !user.role.uses_grants() {
        return "(all)".into();
    }
    user.grants
        .iter()
        .map(|g| g.product.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

pub async fn user(global: &Global, command: UserCommand) -> Result<u8> {
    match command {
        UserCommand::Add {
            name,
            role,
            grant,
            password_stdin,
        } => {
            if !grant.is_empty() {
                refuse_grants(role)?;
            }
            let password_hash = if password_stdin {
                let password = read_password()?;
                Some(secrets::hash_password(&password)?)
            } else {
                None
            };
            let store = open_store(global).await?;
            let mut products = Vec::new();
            for p in &grant {
                products.push(product_named(&store, p).await?);
            }
            let mut w = store.write(&actor(global), &now_rfc3339()).await?;
            let user = w.create_user(&name, role, password_hash.as_deref()).await?;
            for p in &products {
                w.grant_product(&name, p).await?;
            }
            w.commit().await?;
            if !global.quiet {
                println!(
                    "user {} created (id {}, role {role})",
                    user.username, user.id
                );
            }
            Ok(0)
        }
        UserCommand::Password { name, .. } => {
            let password = read_password()?;
            let hash = secrets::hash_password(&password)?;
            let store = open_store(global).await?;
            user_named(&store, &name).await?;
            let mut w = store.write(&actor(global), &now_rfc3339()).await?;
            w.set_password_hash(&name, Some(&hash)).await?;
            w.commit().await?;
            if !global.quiet {
                println!("password of user {name} set");
            }
            Ok(0)
        }
        UserCommand::Grant { name, product } => {
            let store = open_store(global).await?;
            let user = user_named(&store, &name).await?;
            refuse_grants(user.role)?;
            let product = product_named(&store, &product).await?;
            let mut w = store.write(&actor(global), &now_rfc3339()).await?;
            let added = w.grant_product(&name, &product).await?;
            w.commit().await?;
            if !global.quiet {
                if added {
                    println!("product {} granted to {name}", product.name);
                } else {
                    println!("{name} had product {} already", product.name);
                }
            }
            Ok(0)
        }
        UserCommand::Revoke { name, product } => {
            let store = open_store(global).await?;
            user_named(&store, &name).await?;
            let product = product_named(&store, &product).await?;
            let mut w = store.write(&actor(global), &now_rfc3339()).await?;
            let removed = w.revoke_product(&name, &product).await?;
            w.commit().await?;
            if !global.quiet {
                if removed {
                    println!("product {} taken from {name}", product.name);
                } else {
                    println!("{name} did not have product {}", product.name);
                }
            }
            Ok(0)
        }
        UserCommand::Disable { name } => set_disabled(global, &name, true).await,
        UserCommand::Enable { name } => set_disabled(global, &name, false).await,
        UserCommand::List { output } => {
            let store = open_store(global).await?;
            let users = store.users().await?;
            render(&output, &users, || {
                table(
                    &[
                        "user", "role", "products", "password", "disabled", "created",
                    ],
                    users
                        .iter()
                        .map(|u| {
                            vec![
                                u.username.clone(),
                                u.role.to_string(),
                                grant_names(u),
                                if u.has_password { "yes" } else { "no" }.into(),
                                if u.disabled { "yes" } else { "" }.into(),
                                u.created_at.clone(),
                            ]
                        })
                        .collect(),
                )
            })?;
            Ok(0)
        }
    }
}

async fn set_disabled(global: &Global, name: &str, disabled: bool) -> Result<u8> {
    let store = open_store(global).await?;
    user_named(&store, name).await?;
    let mut w = store.write(&actor(global), &now_rfc3339()).await?;
    let changed = w.set_user_disabled(name, disabled).await?;
    w.commit().await?;
    if !global.quiet {
        let state = if disabled { "disabled" } else { "enabled" };
        if changed {
            println!("user {name} {state}");
        } else {
            println!("user {name} was {state} already");
        }
    }
    Ok(0)
}

fn token_state(t: &ApiToken, now: &str) -> &'static str {
    match t.state_at(now) {
        TokenState::Active => "active",
        TokenState::Expired => "expired",
        TokenState::Revoked => "revoked",
    }
}

pub async fn token(global: &Global, command: TokenCommand) -> Result<u8> {
    let now = now_rfc3339();
    match command {
        TokenCommand::Create {
            user,
            name,
            expires,
        } => {
            let expires_at = expires.as_deref().map(|e| expiry(e, &now)).transpose()?;
            let store = open_store(global).await?;
            let owner = user_named(&store, &user).await?;
            if owner.disabled {
                bail!("user {user} is disabled");
            }
            let token = secrets::new_token()?;
            let mut w = store.write(&actor(global), &now).await?;
            let row = w
                .create_token(
                    &user,
                    &name,
                    &token.prefix,
                    &token.hash,
                    expires_at.as_deref(),
                )
                .await?;
            w.commit().await?;
            println!("{}", token.plain);
            if !global.quiet {
                let until = match &row.expires_at {
                    Some(_) => format!(", valid through {}", expires.unwrap_or_default()),
                    None => ", no expiry".into(),
                };
                eprintln!(
                    "patchwarden: token {} ({name}) created for {user}{until}. It is shown only this once and cannot be shown again: store it now.",
                    row.id
                );
            }
            Ok(0)
        }
        TokenCommand::List { user, output } => {
            let store = open_store(global).await?;
            if let Some(u) = &user {
                user_named(&store, u).await?;
            }
            let tokens = store.tokens(user.as_deref()).await?;
            let rows: Vec<serde_json::Value> = tokens
                .iter()
                .map(|t| {
                    let mut v = serde_json::to_value(t).unwrap_or_default();
                    v["state"] = token_state(t, &now).into();
                    v
                })
                .collect();
            render(&output, &rows, || {
                table(
                    &[
                        "id",
                        "user",
                        "name",
                        "prefix",
                        "state",
                        "created",
                        "expires",
                        "last used",
                    ],
                    tokens
                        .iter()
                        .map(|t| {
                            vec![
                                t.id.to_string(),
                                t.username.clone(),
                                t.name.clone(),
                                format!("{}…", t.prefix),
                                token_state(t, &now).into(),
                                t.created_at.clone(),
                                t.expires_at.clone().unwrap_or_default(),
                                t.last_used_at.clone().unwrap_or_default(),
                            ]
                        })
                        .collect(),
                )
            })?;
            Ok(0)
        }
        TokenCommand::Revoke { id } => {
            let store = open_store(global).await?;
            let mut w = store.write(&actor(global), &now).await?;
            let t = w.revoke_token(id).await?;
            w.commit().await?;
            if !global.quiet {
                println!("token {} ({}) of {} revoked", t.id, t.name, t.username);
            }
            Ok(0)
        }
    }
}
