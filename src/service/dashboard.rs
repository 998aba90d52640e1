//! Signing progress per pact, per instansi and per unit kerja, from the maintained counters.

use super::App;
use crate::db::{counts, listings, pacts, signatures, units, Conn, DbError};
use crate::domain::unit_scope::UnitScope;
use crate::i18n::Lang;
use ikrar_log::nip::NipKind;
use ikrar_log::values::PactId;
use std::collections::BTreeMap;

/// Progress of one unit (or one instansi, or the whole roster).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    pub code: String,
    pub name: String,
    pub instansi: String,
    pub roster: i64,
    pub signed: i64,
}

impl Progress {
    /// Employees who have not signed.
    pub fn pending(&self) -> i64 {
        (self.roster - self.signed).max(0)
    }

    /// Share signed, 0.0 to 1.0.
    pub fn ratio(&self) -> f64 {
        if self.roster == 0 {
            0.0
        } else {
            self.signed as f64 / self.roster as f64
        }
    }

    /// Share signed in whole per mille, for bars (0 to 1000).
    pub fn permille(&self) -> i64 {
        (self.ratio() * 1000.0).round().clamp(0.0, 1000.0) as i64
    }

    /// The share as people read it in `lang`: `87,5 %` in Indonesian, `87.5%` in English.
    pub fn percent_text(&self, lang: Lang) -> String {
        let share = self.ratio() * 100.0;
        match lang {
            // A no-break space: "100,0 %" never wraps between the number and its sign.
            Lang::Id => format!("{share:.1}\u{a0}%").replace('.', ","),
            Lang::En => format!("{share:.1}%"),
        }
    }
}

/// How to order units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Order {
    /// Least signed share first: where to push.
    #[default]
    Percent,
    /// By name.
    Name,
}

/// A pact's progress: overall, per instansi, per unit.
#[derive(Debug, Clone)]
pub struct PactProgress {
    pub total: Progress,
    pub instansi: Vec<Progress>,
    pub units: Vec<Progress>,
}

pub use crate::db::listings::{EmployeeFilter, EmployeeStatus};
pub use crate::db::pacts::StoredPact;

/// A pact and its overall progress, as the dashboard's home lists them.
pub struct PactSummary {
    pub id: PactId,
    pub title: String,
    pub total: Progress,
}

/// Every pact with its overall progress over the `visible` units.
pub async fn pacts(app: &App, visible: UnitScope) -> Result<Vec<PactSummary>, DbError> {
    app.db
        .run(move |conn| {
            let mut rows = Vec::new();
            for pact in pacts::all(conn)? {
                if let Some(progress) = progress(conn, &pact.id, None, &visible, Order::Name)? {
                    rows.push(PactSummary {
                        id: pact.id.clone(),
                        title: pact.title,
                        total: progress.total,
                    });
                }
            }
            Ok(rows)
        })
        .await
}

/// A pact's dashboard page: the pact, its progress, and the signatures made with a key that
/// replaced an earlier one (unit, NIP, log index). `None` if there is no such pact.
pub struct PactDashboard {
    pub pact: StoredPact,
    pub progress: PactProgress,
    pub replaced: Vec<(String, String, i64)>,
}

/// The dashboard of `pact_id` over the `visible` units, for one `kind` if given.
pub async fn pact(
    app: &App,
    pact_id: PactId,
    kind: Option<NipKind>,
    visible: UnitScope,
    order: Order,
) -> Result<Option<PactDashboard>, DbError> {
    app.db
        .run(move |conn| {
            let Some(pact) = pacts::find(conn, &pact_id)? else {
                return Ok(None);
            };
            let progress = progress(conn, &pact_id, kind, &visible, order)?;
            let replaced = signatures::with_replaced_key(conn, &pact_id, &visible)?;
            Ok(progress.map(|progress| PactDashboard {
                pact,
                progress,
                replaced,
            }))
        })
        .await
}

/// One page of employees and whether each signed `pact_id`; `None` if there is no such pact.
pub async fn employees(
    app: &App,
    pact_id: PactId,
    filter: EmployeeFilter,
    offset: i64,
    limit: i64,
) -> Result<Option<Vec<EmployeeStatus>>, DbError> {
    app.db
        .run(move |conn| {
            if pacts::find(conn, &pact_id)?.is_none() {
                return Ok(None);
            }
            listings::employees_with_status(conn, &pact_id, &filter, offset, limit).map(Some)
        })
        .await
}

/// The progress of `pact_id` over the `visible` units, for one `kind` if given.
pub(super) fn progress(
    conn: &mut Conn,
    pact_id: &PactId,
    kind: Option<NipKind>,
    visible: &UnitScope,
    order: Order,
) -> Result<Option<PactProgress>, DbError> {
    if pacts::find(conn, pact_id)?.is_none() {
        return Ok(None);
    }
    let wanted =
        |unit: &str, k: &str| kind.is_none_or(|kind| kind.label() == k) && visible.allows(unit);
    let mut per_unit: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    for (unit, k, total) in counts::roster(conn)? {
        if wanted(&unit, &k) {
            per_unit.entry(unit).or_default().0 += total;
        }
    }
    for (unit, k, signed) in counts::signed(conn, pact_id)? {
        if wanted(&unit, &k) {
            per_unit.entry(unit).or_default().1 += signed;
        }
    }
    let names: BTreeMap<String, units::Unit> = units::all(conn)?
        .into_iter()
        .map(|u| (u.code.clone(), u))
        .collect();
    let mut unit_rows: Vec<Progress> = per_unit
        .into_iter()
        .map(|(code, (roster, signed))| {
            let unit = names.get(&code);
            Progress {
                name: unit.map_or_else(|| code.clone(), |u| u.name.clone()),
                instansi: unit.map_or_else(String::new, |u| u.instansi.clone()),
                code,
                roster,
                signed,
            }
        })
        .collect();
    sort(&mut unit_rows, order);
    let mut per_instansi: BTreeMap<String, Progress> = BTreeMap::new();
    for unit in &unit_rows {
        let row = per_instansi
            .entry(unit.instansi.clone())
            .or_insert_with(|| Progress {
                code: String::new(),
                name: unit.instansi.clone(),
                instansi: unit.instansi.clone(),
                roster: 0,
                signed: 0,
            });
        row.roster += unit.roster;
        row.signed += unit.signed;
    }
    let mut instansi: Vec<Progress> = per_instansi.into_values().collect();
    sort(&mut instansi, order);
    let total = Progress {
        code: String::new(),
        name: "Semua".into(),
        instansi: String::new(),
        roster: unit_rows.iter().map(|u| u.roster).sum(),
        signed: unit_rows.iter().map(|u| u.signed).sum(),
    };
    Ok(Some(PactProgress {
        total,
        instansi,
        units: unit_rows,
    }))
}

fn sort(rows: &mut [Progress], order: Order) {
    match order {
        Order::Name => rows.sort_by(|a, b| a.name.cmp(&b.name)),
        Order::Percent => rows.sort_by(|a, b| {
            a.ratio()
                .total_cmp(&b.ratio())
                .then_with(|| a.name.cmp(&b.name))
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(name: &str, roster: i64, signed: i64) -> Progress {
        Progress {
            code: name.into(),
            name: name.into(),
            instansi: "Pemkab".into(),
            roster,
            signed,
        }
    }

    #[test]
    fn shares_and_order() {
        let mut rows = vec![unit("B", 10, 5), unit("A", 4, 4), unit("C", 0, 0)];
        assert_eq!(rows[0].percent_text(Lang::Id), "50,0\u{a0}%");
        assert_eq!(rows[0].percent_text(Lang::En), "50.0%");
        assert_eq!(rows[1].permille(), 1000);
        assert_eq!(rows[2].ratio(), 0.0);
        assert_eq!(rows[0].pending(), 5);
        sort(&mut rows, Order::Percent);
        assert_eq!(
            rows.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(),
            ["C", "B", "A"]
        );
        sort(&mut rows, Order::Name);
        assert_eq!(
            rows.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(),
            ["A", "B", "C"]
        );
    }
}
