//! Partners who receive the quarterly partner report, the products each runs, and the
//! append-only record of every report delivery.
//!
//! Reads are methods of [`Store`]; changes are methods of [`Write`], each audited (entity
//! `partner`) in the same transaction. A partner's `channel` names a `[notify.channels]`
//! entry; the store keeps the name only (the configuration is checked where it is known).

use serde::Serialize;
use serde_json::{Value, json};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::{Store, StoreError, Write};

/// A partner and the products it runs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Partner {
    /// Row id.
    pub id: i64,
    /// Unique name.
    pub name: String,
    /// Who to talk to at the partner (free text; may be empty).
    pub contact: String,
    /// The `[notify.channels]` entry reports go through (webhook or email).
    pub channel: String,
    /// Whether the partner agreed to receive reports.
    pub opted_in: bool,
    /// The products it runs, by name.
    pub products: Vec<String>,
    /// Their row ids, in the same order.
    pub product_ids: Vec<i64>,
    /// When created, RFC 3339.
    pub created_at: String,
    /// When last changed, RFC 3339.
    pub updated_at: String,
}

/// A partner to create.
#[derive(Clone, Copy, Debug)]
pub struct NewPartner<'a> {
    /// Unique name.
    pub name: &'a str,
    /// Who to talk to (may be empty).
    pub contact: &'a str,
    /// The `[notify.channels]` entry.
    pub channel: &'a str,
    /// Opted in from the start.
    pub opted_in: bool,
    /// The products it runs (names of existing products; at least one).
    pub products: &'a [String],
}

/// Changes to a partner; `None` keeps the current value.
#[derive(Clone, Copy, Debug, Default)]
pub struct PartnerChange<'a> {
    /// New contact.
    pub contact: Option<&'a str>,
    /// New channel.
    pub channel: Option<&'a str>,
    /// The new product list (replaces the old one; at least one).
    pub products: Option<&'a [String]>,
}

/// What started a delivery.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DeliveryTrigger {
    /// The `partner-reports` job.
    Schedule,
    /// Someone asked (`report partner --send`, the API).
    Request,
}

impl DeliveryTrigger {
    /// `schedule` or `request`.
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryTrigger::Schedule => "schedule",
            DeliveryTrigger::Request => "request",
        }
    }

    fn parse(text: &str) -> DeliveryTrigger {
        if text == "request" {
            DeliveryTrigger::Request
        } else {
            DeliveryTrigger::Schedule
        }
    }
}

/// How a delivery ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// The receiver took it.
    Delivered,
    /// Every attempt failed (or the channel could not be used).
    Failed,
}

impl DeliveryStatus {
    /// `delivered` or `failed`.
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Failed => "failed",
        }
    }

    fn parse(text: &str) -> DeliveryStatus {
        if text == "delivered" {
            DeliveryStatus::Delivered
        } else {
            DeliveryStatus::Failed
        }
    }
}

/// One recorded delivery of a partner report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PartnerDelivery {
    /// Row id.
    pub id: i64,
    /// The partner's row id (kept after the partner is removed).
    pub partner_id: i64,
    /// The partner's name at the time.
    pub partner: String,
    /// The quarter reported, `2026Q3`.
    pub quarter: String,
    /// What started it.
    pub trigger: DeliveryTrigger,
    /// Who asked, for a `request`.
    pub requested_by: Option<String>,
    /// The channel's name.
    pub channel: String,
    /// `webhook` or `email`.
    pub channel_type: String,
    /// When the first attempt started, RFC 3339.
    pub started_at: String,
    /// When the delivery ended, RFC 3339.
    pub finished_at: String,
    /// How it ended.
    pub status: DeliveryStatus,
    /// Attempts made (0 when the channel could not be used at all).
    pub attempts: i64,
    /// Lowercase hex SHA-256 of the exact bytes sent.
    pub sha256: Option<String>,
    /// The receiver's answer (`HTTP 200`, or the SMTP server's final reply).
    pub response: Option<String>,
    /// Why it failed.
    pub error: Option<String>,
}

/// A delivery to record.
#[derive(Clone, Copy, Debug)]
pub struct NewDelivery<'a> {
    /// The partner.
    pub partner: &'a Partner,
    /// The quarter, `2026Q3`.
    pub quarter: &'a str,
    /// What started it.
    pub trigger: DeliveryTrigger,
    /// Who asked, for a `request`.
    pub requested_by: Option<&'a str>,
    /// The channel's name.
    pub channel: &'a str,
    /// `webhook` or `email`.
    pub channel_type: &'a str,
    /// When the first attempt started.
    pub started_at: &'a str,
    /// When it ended.
    pub finished_at: &'a str,
    /// How it ended.
    pub status: DeliveryStatus,
    /// Attempts made.
    pub attempts: i64,
    /// SHA-256 of the bytes sent.
    pub sha256: Option<&'a str>,
    /// The receiver's answer.
    pub response: Option<&'a str>,
    /// Why it failed.
    pub error: Option<&'a str>,
}

const PARTNER_COLUMNS: &str = "id, name, contact, channel, opted_in, created_at, updated_at";

const DELIVERY_COLUMNS: &str =
    "id, partner_id, partner, quarter, triggered_by, requested_by, channel, channel_type,
     started_at, finished_at, status, attempts, sha256, response, error";

fn partner_from(row: &AnyRow) -> Result<Partner, StoreError> {
    Ok(Partner {
        id: row.try_get(0)?,
        name: row.try_get(1)?,
        contact: row.try_get(2)?,
        channel: row.try_get(3)?,
        opted_in: row.try_get::<i64, _>(4)? != 0,
        products: Vec::new(),
        product_ids: Vec::new(),
        created_at: row.try_get(5)?,
        updated_at: row.try_get(6)?,
    })
}

fn delivery_from(row: &AnyRow) -> Result<PartnerDelivery, StoreError> {
    Ok(PartnerDelivery {
        id: row.try_get(0)?,
        partner_id: row.try_get(1)?,
        partner: row.try_get(2)?,
        quarter: row.try_get(3)?,
        trigger: DeliveryTrigger::parse(&row.try_get::<String, _>(4)?),
        requested_by: row.try_get(5)?,
        channel: row.try_get(6)?,
        channel_type: row.try_get(7)?,
        started_at: row.try_get(8)?,
        finished_at: row.try_get(9)?,
        status: DeliveryStatus::parse(&row.try_get::<String, _>(10)?),
        attempts: row.try_get(11)?,
        sha256: row.try_get(12)?,
        response: row.try_get(13)?,
        error: row.try_get(14)?,
    })
}

/// Fills each partner's products (one query for all).
async fn with_products<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    executor: E,
    mut partners: Vec<Partner>,
) -> Result<Vec<Partner>, StoreError> {
    let rows = sqlx::query(
        "SELECT pp.partner_id, p.id, p.name FROM partner_products pp
         JOIN products p ON p.id = pp.product_id ORDER BY p.name",
    )
    .fetch_all(executor)
    .await?;
    for row in &rows {
        let partner_id: i64 = row.try_get(0)?;
        if let Some(partner) = partners.iter_mut().find(|p| p.id == partner_id) {
            partner.product_ids.push(row.try_get(1)?);
            partner.products.push(row.try_get(2)?);
        }
    }
    Ok(partners)
}

fn partner_json(p: &Partner) -> Value {
    json!({
        "name": p.name,
        "contact": p.contact,
        "channel": p.channel,
        "opted_in": p.opted_in,
        "products": p.products,
    })
}

fn check_name(name: &str) -> Result<(), StoreError> {
    if name.trim().is_empty() || name.trim() != name {
        return Err(StoreError::Conflict(format!(
            "partner name {name:?}: must be non-empty without leading or trailing spaces"
        )));
    }
    Ok(())
}

fn check_channel(partner: &str, channel: &str) -> Result<(), StoreError> {
    if channel.trim().is_empty() {
        return Err(StoreError::Conflict(format!(
            "partner {partner}: the channel name is empty"
        )));
    }
    Ok(())
}

impl Store {
    /// Every partner with its products, by name.
    pub async fn partners(&self) -> Result<Vec<Partner>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {PARTNER_COLUMNS} FROM partners ORDER BY name"
        )))
        .fetch_all(&self.pool)
        .await?;
        let partners = rows.iter().map(partner_from).collect::<Result<_, _>>()?;
        with_products(&self.pool, partners).await
    }

    /// The partner of this name.
    pub async fn partner(&self, name: &str) -> Result<Option<Partner>, StoreError> {
        Ok(self.partners().await?.into_iter().find(|p| p.name == name))
    }

    /// Recorded deliveries, oldest first: of one partner (by name, including those made
    /// under that name before a removal), or of every partner.
    pub async fn partner_deliveries(
        &self,
        partner: Option<&str>,
    ) -> Result<Vec<PartnerDelivery>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {DELIVERY_COLUMNS} FROM partner_deliveries
             WHERE ($1 IS NULL OR partner = $1) ORDER BY id"
        )))
        .bind(partner)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(delivery_from).collect()
    }

    /// Whether the partner's report of `quarter` (`2026Q3`) was delivered.
    pub async fn partner_delivered(
        &self,
        partner_id: i64,
        quarter: &str,
    ) -> Result<bool, StoreError> {
        let row = sqlx::query(
            "SELECT COUNT(*) FROM partner_deliveries
             WHERE partner_id = $1 AND quarter = $2 AND status = 'delivered'",
        )
        .bind(partner_id)
        .bind(quarter)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get::<i64, _>(0)? > 0)
    }
}

impl Write {
    async fn partner_named(&mut self, name: &str) -> Result<Partner, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {PARTNER_COLUMNS} FROM partners WHERE name = $1"
        )))
        .bind(name)
        .fetch_optional(&mut *self.tx)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("no partner named {name}")))?;
        let partner = partner_from(&row)?;
        let mut list = with_products(&mut *self.tx, vec![partner]).await?;
        list.pop()
            .ok_or_else(|| StoreError::NotFound(format!("no partner named {name}")))
    }

    /// The ids of these product names; an error names the first unknown one.
    async fn product_ids(
        &mut self,
        partner: &str,
        names: &[String],
    ) -> Result<Vec<i64>, StoreError> {
        if names.is_empty() {
            return Err(StoreError::Conflict(format!(
                "partner {partner}: name at least one product"
            )));
        }
        let mut ids = Vec::new();
        for name in names {
            let row = sqlx::query("SELECT id FROM products WHERE name = $1")
                .bind(name.as_str())
                .fetch_optional(&mut *self.tx)
                .await?
                .ok_or_else(|| StoreError::NotFound(format!("no product named {name}")))?;
            let id: i64 = row.try_get(0)?;
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        Ok(ids)
    }

    async fn replace_products(&mut self, partner_id: i64, ids: &[i64]) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM partner_products WHERE partner_id = $1")
            .bind(partner_id)
            .execute(&mut *self.tx)
            .await?;
        for id in ids {
            sqlx::query("INSERT INTO partner_products (partner_id, product_id) VALUES ($1, $2)")
                .bind(partner_id)
                .bind(*id)
                .execute(&mut *self.tx)
                .await?;
        }
        Ok(())
    }

    /// Creates a partner; audited (`partner.created`). Errors: the name is taken, a product
    /// is unknown, no product is named.
    pub async fn create_partner(&mut self, new: &NewPartner<'_>) -> Result<Partner, StoreError> {
        check_name(new.name)?;
        check_channel(new.name, new.channel)?;
        let ids = self.product_ids(new.name, new.products).await?;
        let inserted = sqlx::query(
            "INSERT INTO partners (name, contact, channel, opted_in, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (name) DO NOTHING",
        )
        .bind(new.name)
        .bind(new.contact)
        .bind(new.channel)
        .bind(i64::from(new.opted_in))
        .bind(self.at.as_str())
        .execute(&mut *self.tx)
        .await?
        .rows_affected();
        if inserted == 0 {
            return Err(StoreError::Conflict(format!(
                "partner {} exists already",
                new.name
            )));
        }
        let id: i64 = sqlx::query("SELECT id FROM partners WHERE name = $1")
            .bind(new.name)
            .fetch_one(&mut *self.tx)
            .await?
            .try_get(0)?;
        self.replace_products(id, &ids).await?;
        let partner = self.partner_named(new.name).await?;
        self.audit(
            "partner.created",
            "partner",
            partner.id,
            None,
            None,
            Some(&partner_json(&partner)),
        )
        .await?;
        Ok(partner)
    }

    /// Changes a partner's contact, channel or products; audited (`partner.updated`, with the
    /// values before and after).
    pub async fn update_partner(
        &mut self,
        name: &str,
        change: &PartnerChange<'_>,
    ) -> Result<Partner, StoreError> {
        let before = self.partner_named(name).await?;
        if let Some(channel) = change.channel {
            check_channel(name, channel)?;
        }
        if let Some(products) = change.products {
            let ids = self.product_ids(name, products).await?;
            self.replace_products(before.id, &ids).await?;
        }
        sqlx::query(
            "UPDATE partners SET contact = $1, channel = $2, updated_at = $3 WHERE id = $4",
        )
        .bind(change.contact.unwrap_or(&before.contact))
        .bind(change.channel.unwrap_or(&before.channel))
        .bind(self.at.as_str())
        .bind(before.id)
        .execute(&mut *self.tx)
        .await?;
        let after = self.partner_named(name).await?;
        self.audit(
            "partner.updated",
            "partner",
            after.id,
            None,
            Some(&partner_json(&before)),
            Some(&partner_json(&after)),
        )
        .await?;
        Ok(after)
    }

    /// Opts a partner in (`true`) or out; audited (`partner.opted_in`, `partner.opted_out`).
    pub async fn set_partner_opt_in(
        &mut self,
        name: &str,
        opted_in: bool,
    ) -> Result<Partner, StoreError> {
        let before = self.partner_named(name).await?;
        sqlx::query("UPDATE partners SET opted_in = $1, updated_at = $2 WHERE id = $3")
            .bind(i64::from(opted_in))
            .bind(self.at.as_str())
            .bind(before.id)
            .execute(&mut *self.tx)
            .await?;
        let after = self.partner_named(name).await?;
        self.audit(
            if opted_in {
                "partner.opted_in"
            } else {
                "partner.opted_out"
            },
            "partner",
            after.id,
            None,
            Some(&json!({"opted_in": before.opted_in})),
            Some(&json!({"opted_in": opted_in})),
        )
        .await?;
        Ok(after)
    }

    /// Removes a partner and its product list (its deliveries stay); audited
    /// (`partner.removed`, with the partner as it was). Returns it.
    pub async fn remove_partner(&mut self, name: &str) -> Result<Partner, StoreError> {
        let before = self.partner_named(name).await?;
        sqlx::query("DELETE FROM partner_products WHERE partner_id = $1")
            .bind(before.id)
            .execute(&mut *self.tx)
            .await?;
        sqlx::query("DELETE FROM partners WHERE id = $1")
            .bind(before.id)
            .execute(&mut *self.tx)
            .await?;
        self.audit(
            "partner.removed",
            "partner",
            before.id,
            None,
            Some(&partner_json(&before)),
            None,
        )
        .await?;
        Ok(before)
    }

    /// Records one delivery (append-only); audited (`partner.report_delivered` or
    /// `partner.report_failed`, with the record).
    pub async fn record_partner_delivery(
        &mut self,
        d: &NewDelivery<'_>,
    ) -> Result<PartnerDelivery, StoreError> {
        let row = sqlx::query(
            "INSERT INTO partner_deliveries (partner_id, partner, quarter, triggered_by, requested_by,
                 channel, channel_type, started_at, finished_at, status, attempts, sha256, response, error)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id",
        )
        .bind(d.partner.id)
        .bind(d.partner.name.as_str())
        .bind(d.quarter)
        .bind(d.trigger.as_str())
        .bind(d.requested_by)
        .bind(d.channel)
        .bind(d.channel_type)
        .bind(d.started_at)
        .bind(d.finished_at)
        .bind(d.status.as_str())
        .bind(d.attempts)
        .bind(d.sha256)
        .bind(d.response)
        .bind(d.error)
        .fetch_one(&mut *self.tx)
        .await?;
        let delivery = PartnerDelivery {
            id: row.try_get(0)?,
            partner_id: d.partner.id,
            partner: d.partner.name.clone(),
            quarter: d.quarter.to_string(),
            trigger: d.trigger,
            requested_by: d.requested_by.map(str::to_string),
            channel: d.channel.to_string(),
            channel_type: d.channel_type.to_string(),
            started_at: d.started_at.to_string(),
            finished_at: d.finished_at.to_string(),
            status: d.status,
            attempts: d.attempts,
            sha256: d.sha256.map(str::to_string),
            response: d.response.map(str::to_string),
            error: d.error.map(str::to_string),
        };
        self.audit(
            match d.status {
                DeliveryStatus::Delivered => "partner.report_delivered",
                DeliveryStatus::Failed => "partner.report_failed",
            },
            "partner",
            d.partner.id,
            None,
            None,
            Some(&serde_json::to_value(&delivery).unwrap_or(Value::Null)),
        )
        .await?;
        Ok(delivery)
    }
}
