//! What the catalogue generates as text: docs/data-dictionary.md and the UI's labels module.
//! Tests compare the committed files with these and fail when they differ.

use std::fmt::Write;

use fangpin_sync::FieldRule;

use crate::{vocab, Kind, Source, Village, TABLES};

fn rule_name(rule: FieldRule) -> &'static str {
    match rule {
        FieldRule::Register => "value",
        FieldRule::Status => "status machine",
        FieldRule::AppendLog => "append-only",
    }
}

/// docs/data-dictionary.md.
pub fn data_dictionary() -> String {
    let mut s = String::new();
    s.push_str("# Data dictionary: the synced tables\n\n");
    s.push_str("Generated from `crates/fangpin-catalogue` (the record catalogue); a test fails when this file differs, and `FANGPIN_UPDATE_GENERATED=1 cargo test -p fangpin-catalogue` rewrites it.\n");
    s.push_str("Every synced row has a UUID v7 made where it is created, and every field is its own register (docs/protocol.md); the field `$alive` is the row's existence.\n");
    s.push_str("A row belongs to a village: a household through its `village_code`, every other row through its `household_id`; the service uses that village to decide who may see and write the row.\n");
    s.push_str("Field values are JSON; money is integer fen; every field may be null unless it says required.\n");
    s.push_str("The service refuses a change to an unknown table or field, or with a value that does not fit its type, into quarantine with the reason.\n");
    s.push_str("Derived values (net income, per-capita income, the assessment, overdue state) are never synced.\n");
    s.push_str("Merge rules: value (a register: concurrent different values are a conflict), status machine (the ledger status), append-only (every entry kept, never a conflict).\n");
    s.push_str("Search columns are the columns the device store and the service's read model index the field by; sensitive fields are personal information under 个人信息保护法.\n");
    for t in TABLES {
        let _ = write!(s, "\n## {} ({})\n\n{}\n", t.name, t.label_zh, t.about);
        let village = match t.village {
            Village::Own(f) => format!("its own `{f}`"),
            Village::Household(f) => format!("the household its `{f}` names"),
        };
        let _ = writeln!(s, "A row's village is {village}.\n");
        s.push_str("| field | label | type | merge | search columns | notes |\n");
        s.push_str("| --- | --- | --- | --- | --- | --- |\n");
        for f in t.fields {
            let cols: Vec<String> = f
                .columns
                .iter()
                .map(|c| match c.source {
                    Source::Value => format!("`{}`", c.name),
                    Source::Key(k) => format!("`{}` (its `{k}`)", c.name),
                    Source::Reversed => format!("`{}` (reversed)", c.name),
                })
                .collect();
            let mut notes = Vec::new();
            if !f.nullable {
                notes.push("required");
            }
            if f.sensitive {
                notes.push("sensitive");
            }
            let _ = writeln!(
                s,
                "| `{}` | {} | {} | {} | {} | {} |",
                f.name,
                f.label_zh,
                f.kind.describe(),
                rule_name(f.rule),
                cols.join(", "),
                notes.join(", ")
            );
        }
    }
    s.push_str("\n## Values\n\n");
    for v in vocab::ALL {
        let values: Vec<String> = v
            .entries
            .iter()
            .map(|(value, label)| format!("`{value}` {label}"))
            .collect();
        let _ = writeln!(s, "- {} (`{}`): {}.", v.label_zh, v.name, values.join(", "));
    }
    s.push_str("\n## Attachments\n\nPhotos and signatures are stored once by SHA-256 on the device and on the service, and referenced from fields of the attachment type; the service lets a user read an attachment only when a row in the user's scope names it.\n");
    s
}

fn ts_string(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// The UI's generated labels module (`labels.generated.ts`): every vocabulary as picker
/// options, and every table's field labels.
pub fn typescript() -> String {
    let mut s = String::new();
    s.push_str("// Generated from crates/fangpin-catalogue; do not edit. A test fails when this file differs;\n");
    s.push_str("// FANGPIN_UPDATE_GENERATED=1 cargo test -p fangpin-catalogue rewrites it.\n\n");
    s.push_str("export interface Option {\n  value: string;\n  text: string;\n}\n");
    for v in vocab::ALL {
        let _ = write!(
            s,
            "\n/** {} */\nexport const {}: Option[] = [\n",
            v.label_zh, v.name
        );
        for (value, label) in v.entries {
            let _ = writeln!(
                s,
                "  {{ value: {}, text: {} }},",
                ts_string(value),
                ts_string(label)
            );
        }
        s.push_str("];\n");
    }
    s.push_str("\n/** The Chinese name of each account role (fangpin_domain::role). */\nexport const roleNames: Record<string, string> = {\n");
    for r in fangpin_domain::role::Role::ALL {
        let _ = writeln!(s, "  {}: {},", r.as_str(), ts_string(r.label_zh()));
    }
    s.push_str("};\n");
    s.push_str("\n/** The Chinese name of every synced table. */\nexport const tableLabels: Record<string, string> = {\n");
    for t in TABLES {
        let _ = writeln!(s, "  {}: {},", t.name, ts_string(t.label_zh));
    }
    s.push_str("};\n\n/** The Chinese label of every synced field, by table. */\nexport const fieldLabels: Record<string, Record<string, string>> = {\n");
    for t in TABLES {
        let _ = writeln!(s, "  {}: {{", t.name);
        let _ = writeln!(
            s,
            "    $alive: {},",
            ts_string(crate::label_zh(t.name, "$alive"))
        );
        for f in t.fields {
            let _ = writeln!(s, "    {}: {},", f.name, ts_string(f.label_zh));
        }
        s.push_str("  },\n");
    }
    s.push_str("};\n\n/** The vocabulary of each enumerated field, by table. */\nexport const fieldVocabularies: Record<string, Record<string, Option[]>> = {\n");
    for t in TABLES {
        let enums: Vec<(&str, &str)> = t
            .fields
            .iter()
            .filter_map(|f| match &f.kind {
                Kind::Enum(v) => Some((f.name, v.name)),
                Kind::List(Kind::Enum(v), _) => Some((f.name, v.name)),
                _ => None,
            })
            .collect();
        if enums.is_empty() {
            continue;
        }
        let _ = writeln!(s, "  {}: {{", t.name);
        for (field, vocab) in enums {
            let _ = writeln!(s, "    {field}: {vocab},");
        }
        s.push_str("  },\n");
    }
    s.push_str("};\n");
    s
}
