//! The seeded workload: a township of households with members and ledger items, and the
//! offline edits of each device.

use uuid::Uuid;

/// A field value: the workload uses text and integers (money in fen).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Val {
    /// An integer.
    Int(i64),
    /// Text.
    Text(String),
}

impl Val {
    /// As a JSON value for the fangpin engine.
    pub fn json(&self) -> serde_json::Value {
        match self {
            Val::Int(i) => serde_json::Value::from(*i),
            Val::Text(t) => serde_json::Value::from(t.as_str()),
        }
    }
}

/// The 40 fields of a household row.
pub const HOUSEHOLD_FIELDS: [&str; 40] = [
    "hubianhao",
    "village_code",
    "group_no",
    "address",
    "natural_village",
    "head_name",
    "head_id_number",
    "phone",
    "household_type",
    "monitoring_type",
    "house_rating",
    "land_mu_centi",
    "road_access",
    "water_quantity",
    "water_convenience",
    "water_reliability",
    "water_quality",
    "helper_name",
    "helper_unit",
    "helper_phone",
    "helper_start",
    "helper_end",
    "wage_income_fen",
    "business_income_fen",
    "property_income_fen",
    "transfer_income_fen",
    "business_cost_fen",
    "medical_oop_fen",
    "food_secure",
    "clothing_secure",
    "risk_1",
    "risk_2",
    "risk_3",
    "measure_1",
    "measure_2",
    "measure_3",
    "screened_on",
    "screened_by",
    "consent",
    "remark",
];

/// The 20 fields of a member row.
pub const MEMBER_FIELDS: [&str; 20] = [
    "household_id",
    "name",
    "sex",
    "id_number",
    "relation",
    "ethnicity",
    "education",
    "student_status",
    "health",
    "disability_grade",
    "labour",
    "skill",
    "work_place",
    "work_months",
    "medical_insurance",
    "serious_illness_insurance",
    "pension_insurance",
    "dibao",
    "tekun",
    "public_welfare_job",
];

/// The fields of a ledger item besides its status.
pub const LEDGER_FIELDS: [&str; 9] = [
    "household_id",
    "source",
    "problem_type",
    "description",
    "measure",
    "responsible_unit",
    "responsible_person",
    "deadline",
    "evidence",
];

/// A row's fields and their values.
pub type Fields = Vec<(&'static str, Val)>;

/// One household as imported before the campaign.
#[derive(Debug, Clone)]
pub struct HouseholdBase {
    /// The row id.
    pub id: Uuid,
    /// Its fields.
    pub fields: Fields,
    /// Member rows: id and fields.
    pub members: Vec<(Uuid, Fields)>,
    /// Ledger items: id, fields, and the status state index (0 发现 .. 2 已整改).
    pub ledger: Vec<(Uuid, Fields, u8)>,
}

/// What an edit touches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A field of the household row.
    Household,
    /// A field of its n-th member.
    Member(usize),
    /// The status of its n-th ledger item, moved one step forward.
    LedgerStatus(usize),
    /// A new member row with this id (all its fields at once).
    NewMember(Uuid),
}

/// One offline edit.
#[derive(Debug, Clone)]
pub struct Edit {
    /// Index of the household.
    pub household: usize,
    /// What is edited.
    pub target: Target,
    /// The field (for a new member: unused).
    pub field: &'static str,
    /// The value.
    pub value: Val,
}

/// The workload.
#[derive(Debug, Clone)]
pub struct Workload {
    /// The households.
    pub households: Vec<HouseholdBase>,
    /// Each device's edits, in the order it saved them.
    pub devices: Vec<Vec<Edit>>,
}

/// A small deterministic generator (splitmix64).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }
    /// The next number.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// A number below `n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
    /// A uuid.
    pub fn uuid(&mut self) -> Uuid {
        Uuid::from_u64_pair(self.next_u64(), self.next_u64())
    }
}

const SURNAMES: [&str; 12] = [
    "张", "王", "李", "赵", "刘", "陈", "杨", "黄", "周", "吴", "罗", "段",
];
const GIVEN: [&str; 12] = [
    "建国", "秀英", "国华", "玉兰", "志强", "桂芳", "明", "丽", "伟", "芳", "磊", "静",
];

fn value_for(field: &str, rng: &mut Rng) -> Val {
    if field.ends_with("_fen")
        || field.ends_with("_centi")
        || field.ends_with("months")
        || field.ends_with("grade")
    {
        Val::Int(rng.below(2_000_000) as i64)
    } else if field.ends_with("name") || field == "name" {
        Val::Text(format!(
            "{}{}",
            SURNAMES[rng.below(12) as usize],
            GIVEN[rng.below(12) as usize]
        ))
    } else {
        Val::Text(format!("{field}-{}", rng.below(1000)))
    }
}

fn new_value(field: &str, old: &Val, rng: &mut Rng) -> Val {
    loop {
        let v = value_for(field, rng);
        if &v != old {
            return v;
        }
    }
}

/// Generates a workload: `households` households with 1 to 12 members and 0 to 10 ledger items,
/// and `devices` devices that each touch their share of households offline; `overlap_pct`
/// percent of households are also touched by one or two other devices.
pub fn generate(seed: u64, households: usize, devices: usize, overlap_pct: u32) -> Workload {
    let mut rng = Rng::new(seed);
    let mut hs = Vec::with_capacity(households);
    for _ in 0..households {
        let id = rng.uuid();
        let fields = HOUSEHOLD_FIELDS
            .iter()
            .map(|f| (*f, value_for(f, &mut rng)))
            .collect();
        let members = (0..1 + rng.below(12))
            .map(|_| {
                let mid = rng.uuid();
                let fields = MEMBER_FIELDS
                    .iter()
                    .map(|f| {
                        (
                            *f,
                            if *f == "household_id" {
                                Val::Text(id.to_string())
                            } else {
                                value_for(f, &mut rng)
                            },
                        )
                    })
                    .collect();
                (mid, fields)
            })
            .collect();
        let ledger = (0..rng.below(11))
            .map(|_| {
                let lid = rng.uuid();
                let fields = LEDGER_FIELDS
                    .iter()
                    .map(|f| {
                        (
                            *f,
                            if *f == "household_id" {
                                Val::Text(id.to_string())
                            } else {
                                value_for(f, &mut rng)
                            },
                        )
                    })
                    .collect();
                (lid, fields, rng.below(3) as u8)
            })
            .collect();
        hs.push(HouseholdBase {
            id,
            fields,
            members,
            ledger,
        });
    }
    // Each household has one owning device; overlap_pct of them get one or two more.
    let mut touched: Vec<Vec<usize>> = vec![Vec::new(); devices];
    for h in 0..households {
        let owner = h % devices;
        touched[owner].push(h);
        if rng.below(100) < overlap_pct as u64 {
            let extra = 1 + rng.below(2) as usize;
            for k in 1..=extra {
                touched[(owner + k * 7) % devices].push(h);
            }
        }
    }
    let devices = touched
        .into_iter()
        .map(|list| {
            let mut edits = Vec::new();
            for h in list {
                let base = &hs[h];
                // An edit always changes the value: saving an unchanged field makes no change
                // in any engine.
                for _ in 0..6 {
                    let i = rng.below(40) as usize;
                    let field = HOUSEHOLD_FIELDS[i];
                    let value = new_value(field, &base.fields[i].1, &mut rng);
                    edits.push(Edit {
                        household: h,
                        target: Target::Household,
                        field,
                        value,
                    });
                }
                for _ in 0..3 {
                    let m = rng.below(base.members.len() as u64) as usize;
                    let i = 1 + rng.below(19) as usize;
                    let field = MEMBER_FIELDS[i];
                    let value = new_value(field, &base.members[m].1[i].1, &mut rng);
                    edits.push(Edit {
                        household: h,
                        target: Target::Member(m),
                        field,
                        value,
                    });
                }
                if !base.ledger.is_empty() {
                    let l = rng.below(base.ledger.len() as u64) as usize;
                    edits.push(Edit {
                        household: h,
                        target: Target::LedgerStatus(l),
                        field: "status",
                        value: Val::Int(0),
                    });
                }
                if rng.below(10) == 0 {
                    edits.push(Edit {
                        household: h,
                        target: Target::NewMember(rng.uuid()),
                        field: "name",
                        value: value_for("name", &mut rng),
                    });
                }
            }
            edits
        })
        .collect();
    Workload {
        households: hs,
        devices,
    }
}

impl Workload {
    /// How many field changes the devices save (a new member counts its fields).
    pub fn change_count(&self) -> u64 {
        self.devices
            .iter()
            .flatten()
            .map(|e| match e.target {
                Target::NewMember(_) => 3,
                _ => 1,
            })
            .sum()
    }

    /// The households each device touches, deduplicated and sorted.
    pub fn touched(&self, device: usize) -> Vec<usize> {
        let mut v: Vec<usize> = self.devices[device].iter().map(|e| e.household).collect();
        v.sort_unstable();
        v.dedup();
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_workload_is_deterministic_and_overlap_shows() {
        let a = generate(7, 200, 10, 20);
        let b = generate(7, 200, 10, 20);
        assert_eq!(a.change_count(), b.change_count());
        let none = generate(7, 200, 10, 0);
        let total: usize = (0..10).map(|d| none.touched(d).len()).sum();
        assert_eq!(total, 200, "with no overlap every household has one device");
        let total: usize = (0..10).map(|d| a.touched(d).len()).sum();
        assert!(
            total > 230,
            "about a fifth of households get one or two more devices: {total}"
        );
        assert!(a
            .households
            .iter()
            .all(|h| (1..=12).contains(&h.members.len()) && h.ledger.len() <= 10));
    }
}
