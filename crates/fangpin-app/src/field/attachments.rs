//! Attachments: keeping a photo or a signature, and reading one back to show.

use base64::Engine;

use super::{now_ms, AppError, AttachmentView, FieldApp};

impl FieldApp {
    /// Keeps a photo or a signature (base64) and returns its SHA-256.
    pub fn add_attachment(&self, bytes_base64: &str, mime: &str) -> Result<String, AppError> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(bytes_base64.trim())
            .map_err(|e| AppError::new("bad_attachment", e.to_string(), "附件数据无效。"))?;
        if bytes.len() > 20 * 1024 * 1024 {
            return Err(AppError::new(
                "attachment_too_large",
                "attachments are at most 20 MiB",
                "附件不能超过20MB。",
            ));
        }
        Ok(self.store()?.put_attachment(&bytes, mime, now_ms())?)
    }

    /// A stored attachment, to show.
    pub fn attachment(&self, sha256: &str) -> Result<Option<AttachmentView>, AppError> {
        let Some(a) = self.store()?.attachment(sha256)? else {
            return Ok(None);
        };
        let bytes = match (a.bytes, &a.path) {
            (Some(b), _) => b,
            (None, Some(p)) => std::fs::read(p)
                .map_err(|e| AppError::new("io", e.to_string(), "无法读取附件。"))?,
            (None, None) => return Ok(None),
        };
        Ok(Some(AttachmentView {
            sha256: a.hash,
            mime: a.mime,
            bytes_base64: base64::engine::general_purpose::STANDARD.encode(bytes),
        }))
    }
}
