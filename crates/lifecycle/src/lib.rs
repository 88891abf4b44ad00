//! The finding lifecycle, as pure rules.
//!
//! A finding is one vulnerability on one package of one project. It moves
//! `open → triaged → patching → fixed → verified`, or is closed by a risk decision:
//! `risk_accepted` (approver, reason, expiry; back to `open` when the expiry passes),
//! `not_affected` (a VEX justification) or `false_positive`.
//!
//! Two kinds of change exist, and this crate decides both:
//! - [`transition`]: what a person asks for (`triage`, `accept`, `patch`, `reopen`, ...),
//!   refused when it makes no sense from the current status;
//! - [`observe`]: what a new artifact (or a re-evaluation of the latest one) does: a
//!   finding present again after its fix is a regression and reopens; one absent from a
//!   newer artifact is fixed; an expired acceptance reopens.
//!
//! `fixed → verified` happens when an artifact without the finding reaches production
//! ([`verify`]). The caller stores the result and writes the audit log.

use serde::{Deserialize, Serialize};
use time::Date;

/// Where a finding stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Found, nobody has looked at it yet.
    Open,
    /// Someone looked at it and confirmed it needs a patch.
    Triaged,
    /// A patch is planned or under way (see its patch record).
    Patching,
    /// A newer artifact of the project no longer has it.
    Fixed,
    /// An artifact without it runs in production.
    Verified,
    /// Risk accepted by an approver until an expiry date.
    RiskAccepted,
    /// The product is not affected (VEX justification).
    NotAffected,
    /// The match was wrong.
    FalsePositive,
}

impl Status {
    /// Every status, in lifecycle order.
    pub const ALL: [Status; 8] = [
        Status::Open,
        Status::Triaged,
        Status::Patching,
        Status::Fixed,
        Status::Verified,
        Status::RiskAccepted,
        Status::NotAffected,
        Status::FalsePositive,
    ];

    /// The stored and shown name (`risk_accepted`).
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Triaged => "triaged",
            Status::Patching => "patching",
            Status::Fixed => "fixed",
            Status::Verified => "verified",
            Status::RiskAccepted => "risk_accepted",
            Status::NotAffected => "not_affected",
            Status::FalsePositive => "false_positive",
        }
    }

    /// Reads a name; `-` and `_` are interchangeable and case is ignored.
    pub fn parse(name: &str) -> Option<Status> {
        let wanted = name.trim().to_ascii_lowercase().replace('-', "_");
        Status::ALL.into_iter().find(|s| s.as_str() == wanted)
    }

    /// Still to be patched: the SLA clock runs and the finding can be overdue.
    pub fn is_active(self) -> bool {
        matches!(self, Status::Open | Status::Triaged | Status::Patching)
    }

    /// The vulnerable version is gone (fixed or verified).
    pub fn is_remediated(self) -> bool {
        matches!(self, Status::Fixed | Status::Verified)
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a person asks to do with a finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Confirm it needs patching.
    Triage,
    /// A patch is planned or under way.
    Patch,
    /// Accept the risk until `expires` (approver and reason are stored by the caller).
    Accept {
        /// Last day the acceptance holds.
        expires: Date,
    },
    /// Not affected, with a VEX justification.
    NotAffected,
    /// The match was wrong.
    FalsePositive,
    /// Back to open (a closed decision withdrawn, or a fix that did not hold).
    Reopen,
}

impl Action {
    /// The verb, for messages and the audit log.
    pub fn name(&self) -> &'static str {
        match self {
            Action::Triage => "triage",
            Action::Patch => "patch",
            Action::Accept { .. } => "accept",
            Action::NotAffected => "not_affected",
            Action::FalsePositive => "false_positive",
            Action::Reopen => "reopen",
        }
    }
}

/// A transition that makes no sense from the current status.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TransitionError {
    /// The action is not possible from this status.
    Refused {
        /// The action.
        action: &'static str,
        /// The current status.
        from: Status,
        /// Why, in a few words.
        why: &'static str,
    },
    /// The acceptance would expire before it starts.
    ExpiryInPast {
        /// The expiry asked for.
        expires: Date,
        /// Today.
        today: Date,
    },
}

impl std::fmt::Display for TransitionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TransitionError::Refused { action, from, why } => {
                write!(f, "cannot {action} a finding that is {from}: {why}")
            }
            TransitionError::ExpiryInPast { expires, today } => write!(
                f,
                "the acceptance would expire on {expires}, before today ({today}); give a later --expires"
            ),
        }
    }
}

impl std::error::Error for TransitionError {}

/// The status a person's `action` leads to from `from`, or why it is refused.
///
/// - `triage`: from `open` only.
/// - `patch`: from `open`, `triaged` or `patching` (a patch record is added or updated).
/// - `accept`: from any status but `fixed` and `verified` (nothing left to accept); renews
///   an acceptance; the expiry must not be before `today`.
/// - `not_affected`, `false_positive`: from any status but `fixed` and `verified`.
/// - `reopen`: from any status but `open`.
pub fn transition(from: Status, action: &Action, today: Date) -> Result<Status, TransitionError> {
    let refuse = |why| {
        Err(TransitionError::Refused {
            action: action.name(),
            from,
            why,
        })
    };
    match action {
        Action::Triage => match from {
            Status::Open => Ok(Status::Triaged),
            _ => refuse("only an open finding is triaged"),
        },
        Action::Patch => match from {
            Status::Open | Status::Triaged | Status::Patching => Ok(Status::Patching),
            _ => refuse("only an open, triaged or patching finding gets a patch"),
        },
        Action::Accept { expires } => {
            if from.is_remediated() {
                return refuse("the vulnerable version is gone; nothing to accept");
            }
            if *expires < today {
                return Err(TransitionError::ExpiryInPast {
                    expires: *expires,
                    today,
                });
            }
            Ok(Status::RiskAccepted)
        }
        Action::NotAffected | Action::FalsePositive => {
            if from.is_remediated() {
                return refuse("the vulnerable version is gone already");
            }
            Ok(if *action == Action::NotAffected {
                Status::NotAffected
            } else {
                Status::FalsePositive
            })
        }
        Action::Reopen => match from {
            Status::Open => refuse("it is open already"),
            _ => Ok(Status::Open),
        },
    }
}

/// What an artifact (or the re-evaluation of one) says about a finding of its project.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Observation {
    /// The artifact has the vulnerable package.
    Present,
    /// A newer artifact of the project does not have it.
    Absent,
    /// The same artifact, matched again after an advisory update, no longer has it: the
    /// advisory was withdrawn or its ranges no longer cover the version.
    NoLongerMatches,
}

/// Why a stored finding changed status by itself; each is one audit log action.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// It came back after a fix: reopened with its original first-seen date.
    Regressed,
    /// Its risk acceptance expired: reopened.
    AcceptanceExpired,
    /// A newer artifact no longer has it.
    Fixed,
    /// After an advisory update it no longer matches (closed as a false positive, with the
    /// reason recorded by the caller).
    Withdrawn,
    /// A re-evaluation matches it again after it had been closed as no longer matching.
    Rematched,
}

impl Event {
    /// The audit log action.
    pub fn action(self) -> &'static str {
        match self {
            Event::Regressed => "finding.regressed",
            Event::AcceptanceExpired => "finding.acceptance_expired",
            Event::Fixed => "finding.fixed",
            Event::Withdrawn => "finding.withdrawn",
            Event::Rematched => "finding.rematched",
        }
    }
}

/// A stored finding as [`observe`] needs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stored {
    /// Its status.
    pub status: Status,
    /// Last day of its risk acceptance, when accepted.
    pub accepted_until: Option<Date>,
    /// Closed by a re-evaluation (no longer matched), not by a person.
    pub closed_by_system: bool,
}

/// The status change `observation` causes on `stored` today, if any.
///
/// - present after `fixed`/`verified`: regression, back to `open`;
/// - present (or not) with an acceptance whose last day is before `today`: back to `open`
///   (when absent, the absence wins: it is `fixed`);
/// - present after a system close (`false_positive` by re-evaluation): matched again, `open`;
/// - absent while `open`, `triaged`, `patching` or `risk_accepted`: `fixed`;
/// - no longer matching while not remediated and not closed by a person: `false_positive`.
///
/// `not_affected` and a person's `false_positive` are decisions: observations leave them.
pub fn observe(stored: Stored, observation: Observation, today: Date) -> Option<(Status, Event)> {
    let expired = stored.status == Status::RiskAccepted
        && stored.accepted_until.is_some_and(|until| until < today);
    match observation {
        Observation::Present => {
            if stored.status.is_remediated() {
                Some((Status::Open, Event::Regressed))
            } else if expired {
                Some((Status::Open, Event::AcceptanceExpired))
            } else if stored.status == Status::FalsePositive && stored.closed_by_system {
                Some((Status::Open, Event::Rematched))
            } else {
                None
            }
        }
        Observation::Absent => {
            if stored.status.is_active() || stored.status == Status::RiskAccepted {
                Some((Status::Fixed, Event::Fixed))
            } else {
                None
            }
        }
        Observation::NoLongerMatches => {
            if stored.status.is_active() || stored.status == Status::RiskAccepted {
                Some((Status::FalsePositive, Event::Withdrawn))
            } else {
                None
            }
        }
    }
}

/// Whether deploying an artifact without the finding to production verifies it: only a
/// `fixed` finding becomes `verified`.
pub fn verify(status: Status) -> Option<Status> {
    (status == Status::Fixed).then_some(Status::Verified)
}

/// Whether an active finding is past its due date today.
pub fn overdue(status: Status, due: Date, today: Date) -> bool {
    status.is_active() && due < today
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 23);

    fn stored(status: Status) -> Stored {
        Stored {
            status,
            accepted_until: None,
            closed_by_system: false,
        }
    }

    #[test]
    fn names_round_trip() {
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
        }
        assert_eq!(Status::parse("Risk-Accepted"), Some(Status::RiskAccepted));
        assert_eq!(Status::parse("closed"), None);
    }

    #[test]
    fn the_main_path() {
        let s = transition(Status::Open, &Action::Triage, TODAY).unwrap_or(Status::Open);
        assert_eq!(s, Status::Triaged);
        let s = transition(s, &Action::Patch, TODAY).unwrap_or(Status::Open);
        assert_eq!(s, Status::Patching);
        assert_eq!(
            observe(stored(s), Observation::Absent, TODAY),
            Some((Status::Fixed, Event::Fixed))
        );
        assert_eq!(verify(Status::Fixed), Some(Status::Verified));
        assert_eq!(verify(Status::Patching), None);
    }

    #[test]
    fn refusals_say_why() {
        let e = transition(Status::Fixed, &Action::Triage, TODAY).unwrap_err();
        assert_eq!(
            e.to_string(),
            "cannot triage a finding that is fixed: only an open finding is triaged"
        );
        assert!(transition(Status::Open, &Action::Reopen, TODAY).is_err());
        assert!(transition(Status::Verified, &Action::Accept { expires: TODAY }, TODAY).is_err());
        let past = transition(
            Status::Open,
            &Action::Accept {
                expires: date!(2026 - 11 - 22),
            },
            TODAY,
        );
        assert!(matches!(past, Err(TransitionError::ExpiryInPast { .. })));
    }

    #[test]
    fn regression_and_expiry_reopen() {
        for s in [Status::Fixed, Status::Verified] {
            assert_eq!(
                observe(stored(s), Observation::Present, TODAY),
                Some((Status::Open, Event::Regressed))
            );
        }
        let accepted = |until| Stored {
            status: Status::RiskAccepted,
            accepted_until: Some(until),
            closed_by_system: false,
        };
        // The last day still holds; the day after reopens.
        assert_eq!(observe(accepted(TODAY), Observation::Present, TODAY), None);
        assert_eq!(
            observe(accepted(date!(2026 - 11 - 22)), Observation::Present, TODAY),
            Some((Status::Open, Event::AcceptanceExpired))
        );
        assert_eq!(
            observe(accepted(date!(2026 - 11 - 22)), Observation::Absent, TODAY),
            Some((Status::Fixed, Event::Fixed))
        );
    }

    #[test]
    fn decisions_are_left_alone() {
        for s in [Status::NotAffected, Status::FalsePositive] {
            for o in [
                Observation::Present,
                Observation::Absent,
                Observation::NoLongerMatches,
            ] {
                assert_eq!(observe(stored(s), o, TODAY), None, "{s} {o:?}");
            }
        }
        let system = Stored {
            status: Status::FalsePositive,
            accepted_until: None,
            closed_by_system: true,
        };
        assert_eq!(
            observe(system, Observation::Present, TODAY),
            Some((Status::Open, Event::Rematched))
        );
    }

    fn any_status() -> impl Strategy<Value = Status> {
        prop::sample::select(Status::ALL.to_vec())
    }

    fn any_observation() -> impl Strategy<Value = Observation> {
        prop::sample::select(vec![
            Observation::Present,
            Observation::Absent,
            Observation::NoLongerMatches,
        ])
    }

    proptest! {
        /// Observing the same thing twice changes nothing the second time: recording the
        /// same artifact again (or re-evaluating twice) writes no second audit entry.
        #[test]
        fn observations_are_idempotent(
            status in any_status(),
            obs in any_observation(),
            days in -5i64..5,
            by_system in any::<bool>(),
        ) {
            let until = TODAY.checked_add(time::Duration::days(days));
            let s = Stored { status, accepted_until: until, closed_by_system: by_system };
            if let Some((next, event)) = observe(s, obs, TODAY) {
                let again = Stored {
                    status: next,
                    accepted_until: if next == Status::RiskAccepted { until } else { None },
                    closed_by_system: event == Event::Withdrawn,
                };
                prop_assert_eq!(observe(again, obs, TODAY), None);
            }
        }

        /// A present finding is never closed, an absent one never reopened.
        #[test]
        fn observations_move_the_right_way(status in any_status(), obs in any_observation()) {
            if let Some((next, _)) = observe(stored(status), obs, TODAY) {
                match obs {
                    Observation::Present => prop_assert_eq!(next, Status::Open),
                    Observation::Absent => prop_assert_eq!(next, Status::Fixed),
                    Observation::NoLongerMatches => prop_assert_eq!(next, Status::FalsePositive),
                }
            }
        }

        /// Every accepted transition lands on a status the action names, and only `reopen`
        /// leads back to open.
        #[test]
        fn transitions_land_where_named(status in any_status(), which in 0usize..6) {
            let action = [
                Action::Triage,
                Action::Patch,
                Action::Accept { expires: TODAY },
                Action::NotAffected,
                Action::FalsePositive,
                Action::Reopen,
            ][which].clone();
            if let Ok(next) = transition(status, &action, TODAY) {
                let expected = match action {
                    Action::Triage => Status::Triaged,
                    Action::Patch => Status::Patching,
                    Action::Accept { .. } => Status::RiskAccepted,
                    Action::NotAffected => Status::NotAffected,
                    Action::FalsePositive => Status::FalsePositive,
                    Action::Reopen => Status::Open,
                };
                prop_assert_eq!(next, expected);
                prop_assert!(!(next.is_remediated()));
            }
        }
    }
}
