//! Reporting periods: calendar quarters (`2026Q3`) and inclusive day ranges.

use std::fmt;

use serde::Serialize;
use time::{Date, Month};

/// A calendar quarter, such as `2026Q3` (1 July to 30 September 2026).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Quarter {
    /// The year.
    pub year: i32,
    /// 1 to 4.
    pub number: u8,
}

/// Why a quarter or a day could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    #[error("invalid quarter {0:?}: expected YEARQn, such as 2026Q3")]
    Quarter(String),
    #[error("invalid date {0:?}: expected YYYY-MM-DD")]
    Day(String),
    #[error("the period starts on {from} after it ends on {to}")]
    Reversed { from: String, to: String },
}

impl Quarter {
    /// Reads `2026Q3` (also `2026-Q3` and a lowercase `q`).
    pub fn parse(text: &str) -> Result<Quarter, PeriodError> {
        let bad = || PeriodError::Quarter(text.to_string());
        let upper = text.trim().to_ascii_uppercase();
        let (year, number) = upper.split_once('Q').ok_or_else(bad)?;
        let year = year.strip_suffix('-').unwrap_or(year);
        if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let year: i32 = year.parse().map_err(|_| bad())?;
        let number: u8 = match number {
            "1" => 1,
            "2" => 2,
            "3" => 3,
            "4" => 4,
            _ => return Err(bad()),
        };
        Ok(Quarter { year, number })
    }

    /// The quarter a day falls in.
    pub fn of(day: Date) -> Quarter {
        Quarter {
            year: day.year(),
            number: (u8::from(day.month()) - 1) / 3 + 1,
        }
    }

    /// The quarter before this one.
    pub fn previous(self) -> Quarter {
        if self.number == 1 {
            Quarter {
                year: self.year - 1,
                number: 4,
            }
        } else {
            Quarter {
                year: self.year,
                number: self.number - 1,
            }
        }
    }

    /// Its first day.
    pub fn start(self) -> Date {
        let month = Month::try_from(3 * (self.number - 1) + 1).unwrap_or(Month::January);
        Date::from_calendar_date(self.year, month, 1).unwrap_or(Date::MIN)
    }

    /// Its last day.
    pub fn end(self) -> Date {
        let next = if self.number == 4 {
            Quarter {
                year: self.year + 1,
                number: 1,
            }
        } else {
            Quarter {
                year: self.year,
                number: self.number + 1,
            }
        };
        next.start().previous_day().unwrap_or(Date::MAX)
    }

    /// The quarter as a day range.
    pub fn period(self) -> Period {
        Period {
            from: self.start(),
            to: self.end(),
        }
    }
}

impl fmt::Display for Quarter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}Q{}", self.year, self.number)
    }
}

impl Serialize for Quarter {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// An inclusive range of days.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Period {
    /// The first day.
    pub from: Date,
    /// The last day.
    pub to: Date,
}

impl Period {
    /// Reads two `YYYY-MM-DD` days; the first must not be after the second.
    pub fn parse(from: &str, to: &str) -> Result<Period, PeriodError> {
        let from_day = parse_day(from)?;
        let to_day = parse_day(to)?;
        if from_day > to_day {
            return Err(PeriodError::Reversed {
                from: from.to_string(),
                to: to.to_string(),
            });
        }
        Ok(Period {
            from: from_day,
            to: to_day,
        })
    }

    /// Whether `day` is inside.
    pub fn contains(&self, day: Date) -> bool {
        self.from <= day && day <= self.to
    }

    /// The calendar months it touches, as (year, month), oldest first.
    pub fn months(&self) -> Vec<(i32, Month)> {
        let mut out = Vec::new();
        let (mut year, mut month) = (self.from.year(), self.from.month());
        loop {
            out.push((year, month));
            if (year, u8::from(month)) >= (self.to.year(), u8::from(self.to.month())) {
                break;
            }
            if month == Month::December {
                year += 1;
            }
            month = month.next();
        }
        out
    }
}

/// Reads a `YYYY-MM-DD` day (only that form).
pub fn parse_day(text: &str) -> Result<Date, PeriodError> {
    let t = text.trim();
    if t.len() != 10 {
        return Err(PeriodError::Day(text.to_string()));
    }
    patchwarden_metrics::parse_day(t).ok_or_else(|| PeriodError::Day(text.to_string()))
}

/// `YYYY-MM-DD`.
pub fn day_text(day: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        day.year(),
        u8::from(day.month()),
        day.day()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn quarters_read_and_bound() {
        let q = Quarter::parse("2026Q3").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (q.start(), q.end()),
            (date!(2026 - 07 - 01), date!(2026 - 09 - 30))
        );
        assert_eq!(q.to_string(), "2026Q3");
        let q4 = Quarter::parse("2025-q4").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(q4.end(), date!(2025 - 12 - 31));
        assert_eq!(Quarter::parse("2026Q1").map(Quarter::previous), Ok(q4));
        assert_eq!(Quarter::of(date!(2026 - 11 - 23)).to_string(), "2026Q4");
        for bad in ["2026Q5", "2026Q0", "26Q1", "2026", "Q3", "2026Q3x", ""] {
            assert!(Quarter::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn periods_read_and_list_months() {
        let p = Period::parse("2025-11-15", "2026-02-01").unwrap_or_else(|e| panic!("{e}"));
        let months: Vec<String> = p
            .months()
            .iter()
            .map(|(y, m)| format!("{y}-{:02}", u8::from(*m)))
            .collect();
        assert_eq!(months, ["2025-11", "2025-12", "2026-01", "2026-02"]);
        assert!(p.contains(date!(2026 - 02 - 01)) && !p.contains(date!(2026 - 02 - 02)));
        assert!(matches!(
            Period::parse("2026-02-01", "2026-01-01"),
            Err(PeriodError::Reversed { .. })
        ));
        assert!(Period::parse("2026-02-30", "2026-03-01").is_err());
        assert!(Period::parse("2026-02-01T00:00:00Z", "2026-03-01").is_err());
    }
}
