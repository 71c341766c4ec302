//! Device-only data: drafts of half-filled forms, and attachments (photos) by content hash.
//!
//! Neither is synced through the change log: a draft is private to the device until it is
//! saved, and a synced field refers to an attachment by its SHA-256, so the bytes travel
//! once, apart from the changes.

use rusqlite::{params, OptionalExtension};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::StoreError;
use crate::key::hex;
use crate::store::Store;

/// A half-filled form, saved as the user types.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Draft {
    /// The form's id (chosen by the app, e.g. `household/<uuid>`).
    pub form_id: String,
    /// The form's content.
    pub body: serde_json::Value,
    /// When it was last saved (ms since the epoch).
    pub updated_ms: u64,
}

/// A stored attachment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attachment {
    /// SHA-256 of the bytes, in hex: what synced fields refer to.
    pub hash: String,
    /// Its media type, such as `image/jpeg`.
    pub mime: String,
    /// Its size in bytes.
    pub size: u64,
    /// The bytes, when stored in the database.
    #[serde(skip)]
    pub bytes: Option<Vec<u8>>,
    /// A file path, when stored outside it.
    pub path: Option<String>,
    /// Whether the server has it.
    pub uploaded: bool,
}

fn ms(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

impl Store {
    /// Saves (or replaces) a draft; one statement, so it is whole or absent after a crash.
    pub fn save_draft(
        &self,
        form_id: &str,
        body: &serde_json::Value,
        now_ms: u64,
    ) -> Result<(), StoreError> {
        self.conn
            .prepare_cached(
                "INSERT OR REPLACE INTO draft (form_id, body, updated_ms) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![form_id, body.to_string(), ms(now_ms)])?;
        Ok(())
    }

    /// A saved draft.
    pub fn draft(&self, form_id: &str) -> Result<Option<Draft>, StoreError> {
        let row: Option<(String, i64)> = self
            .conn
            .prepare_cached("SELECT body, updated_ms FROM draft WHERE form_id = ?1")?
            .query_row([form_id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        row.map(|(body, at)| {
            Ok(Draft {
                form_id: form_id.to_owned(),
                body: serde_json::from_str(&body)?,
                updated_ms: u64::try_from(at).unwrap_or(0),
            })
        })
        .transpose()
    }

    /// Every draft, newest first.
    pub fn drafts(&self) -> Result<Vec<Draft>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT form_id, body, updated_ms FROM draft ORDER BY updated_ms DESC",
        )?;
        let rows: Vec<(String, String, i64)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<Result<_, _>>()?;
        rows.into_iter()
            .map(|(form_id, body, at)| {
                Ok(Draft {
                    form_id,
                    body: serde_json::from_str(&body)?,
                    updated_ms: u64::try_from(at).unwrap_or(0),
                })
            })
            .collect()
    }

    /// Discards a draft (after the form is saved or abandoned).
    pub fn discard_draft(&self, form_id: &str) -> Result<(), StoreError> {
        self.conn
            .prepare_cached("DELETE FROM draft WHERE form_id = ?1")?
            .execute([form_id])?;
        Ok(())
    }

    /// Stores attachment bytes (encrypted with the database) and returns their SHA-256; storing
    /// the same bytes again is a no-op.
    pub fn put_attachment(
        &self,
        bytes: &[u8],
        mime: &str,
        now_ms: u64,
    ) -> Result<String, StoreError> {
        let hash = hex(&Sha256::digest(bytes));
        self.conn
            .prepare_cached(
                "INSERT OR IGNORE INTO attachment (hash, mime, size, bytes, created_ms) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![
                hash,
                mime,
                ms(bytes.len() as u64),
                bytes,
                ms(now_ms)
            ])?;
        Ok(hash)
    }

    /// An attachment by its hash.
    pub fn attachment(&self, hash: &str) -> Result<Option<Attachment>, StoreError> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT hash, mime, size, bytes, path, uploaded FROM attachment WHERE hash = ?1",
            )?
            .query_row([hash], |r| {
                Ok(Attachment {
                    hash: r.get(0)?,
                    mime: r.get(1)?,
                    size: u64::try_from(r.get::<_, i64>(2)?).unwrap_or(0),
                    bytes: r.get(3)?,
                    path: r.get(4)?,
                    uploaded: r.get(5)?,
                })
            })
            .optional()?)
    }

    /// Hashes of attachments the server does not have yet.
    pub fn attachments_to_upload(&self) -> Result<Vec<String>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT hash FROM attachment WHERE uploaded = 0 ORDER BY created_ms")?;
        let out = stmt
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(out)
    }

    /// Marks an attachment as held by the server.
    pub fn mark_uploaded(&self, hash: &str) -> Result<(), StoreError> {
        self.conn
            .prepare_cached("UPDATE attachment SET uploaded = 1 WHERE hash = ?1")?
            .execute([hash])?;
        Ok(())
    }
}

impl Store {
    /// Keeps the names of areas (village, township, county codes) the service sent, so the
    /// screens show names, never codes.
    pub fn set_area_names(&self, names: &[(String, String)]) -> Result<(), StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("INSERT OR REPLACE INTO area_name (code, name) VALUES (?1, ?2)")?;
        for (code, name) in names {
            stmt.execute(rusqlite::params![code, name])?;
        }
        Ok(())
    }

    /// Every kept area name, by code.
    pub fn area_names(&self) -> Result<std::collections::BTreeMap<String, String>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT code, name FROM area_name")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        let mut out = std::collections::BTreeMap::new();
        for r in rows {
            let (code, name) = r?;
            out.insert(code, name);
        }
        Ok(out)
    }
}
