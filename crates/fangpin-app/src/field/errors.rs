//! The errors that reach the screen: [`AppError`] and the form's [`FieldErrorView`], with the
//! conversions from the store's and the sync client's errors.

use fangpin_client::SyncError;
use fangpin_domain::FieldErrors;
use fangpin_store::StoreError;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// An error shown to the user: a stable code, English for logs, Chinese for the screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, thiserror::Error)]
#[error("{code}: {message}")]
pub struct AppError {
    /// Stable code; the UI matches on it, never on the text.
    pub code: String,
    /// English, for logs.
    pub message: String,
    /// Chinese, for the user.
    pub message_zh: String,
    /// The field concerned, as a path like `members[1].id_number`.
    pub field: Option<String>,
}

impl AppError {
    pub(super) fn new(
        code: &str,
        message: impl Into<String>,
        message_zh: impl Into<String>,
    ) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
            message_zh: message_zh.into(),
            field: None,
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        let zh = match &e {
            StoreError::WrongPasscode { .. } => "本机密码错误。".to_owned(),
            StoreError::RetryLater { wait_ms, .. } => {
                format!("密码错误次数过多，请 {} 秒后再试。", wait_ms.div_ceil(1000))
            }
            StoreError::NotFound(_) => "本机尚未登记，请先登记设备。".to_owned(),
            StoreError::Write(w) if w.code() == "row_deleted" => {
                "该记录已被删除，请先恢复。".to_owned()
            }
            StoreError::Write(w) if w.code() == "invalid_transition" => {
                "台账状态不能这样变更。".to_owned()
            }
            StoreError::Invalid {
                table, field, code, ..
            } => format!(
                "{}：{}。",
                fangpin_catalogue::label_zh(table, field),
                fangpin_catalogue::ValueError {
                    code,
                    reason: String::new()
                }
                .message_zh()
            ),
            StoreError::NotPermitted { table, field } => format!(
                "{}存在冲突，须由镇、县审核人员处理。",
                fangpin_catalogue::label_zh(table, field)
            ),
            StoreError::DeviceSecretUnavailable(_) => {
                "本机数据由系统钥匙串保护，现在无法读取钥匙串：请先登录系统桌面（解锁钥匙串）后再试。"
                    .to_owned()
            }
            StoreError::DeviceSecretMissing(_) => {
                "本机数据只能在原设备上打开（系统钥匙串中没有它的密钥）；请联系办事处。".to_owned()
            }
            _ => "本机数据出错，请联系管理员。".to_owned(),
        };
        let field = match &e {
            StoreError::Invalid { field, .. } | StoreError::NotPermitted { field, .. } => {
                Some(field.clone())
            }
            _ => None,
        };
        let mut out = AppError::new(e.code(), e.to_string(), zh);
        out.field = field;
        out
    }
}

impl From<SyncError> for AppError {
    fn from(e: SyncError) -> Self {
        let zh = match &e {
            SyncError::Unreachable(_) => {
                "连不上服务器，请在有信号时再同步；数据已保存在本机，会自动重试。"
            }
            SyncError::Network(_) => "传输中断，请稍后再同步；数据已保存在本机。",
            SyncError::Credential { wipe: true, .. } => "本设备已被停用，本机数据已清除。",
            SyncError::Credential { .. } => "设备凭证无效或已过期，请重新登记。",
            SyncError::SignIn { .. } => "用户名或密码错误。",
            SyncError::VersionReused { .. } => {
                "本机记录编号与服务器不一致（本机数据可能从旧备份恢复），请联系办事处处理；数据已保存在本机。"
            }
            SyncError::Server { code, .. } if code == "user_disabled" => {
                "该账号已停用，请联系办事处。"
            }
            SyncError::Server { .. } => "服务器出错，请稍后再试。",
            SyncError::Corrupt(_) => "数据传输出错，请稍后再试。",
            SyncError::Store(_) => "本机数据出错，请联系管理员。",
        };
        let code = match &e {
            SyncError::SignIn { code, .. } if code == "too_many_attempts" => "too_many_attempts",
            SyncError::Server { code, .. } if code == "user_disabled" => "user_disabled",
            _ => e.code(),
        };
        AppError::new(code, e.to_string(), zh)
    }
}

impl From<FieldErrorView> for AppError {
    fn from(e: FieldErrorView) -> Self {
        AppError {
            code: e.code,
            message: format!("{}: invalid", e.field),
            message_zh: e.message_zh,
            field: Some(e.field),
        }
    }
}

/// A field error as the form shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct FieldErrorView {
    /// The field's path, like `members[1].id_number`.
    pub field: String,
    /// Stable code.
    pub code: String,
    /// Chinese reason, shown beside the field.
    pub message_zh: String,
}

pub(super) fn field_errors(errors: &FieldErrors) -> Vec<FieldErrorView> {
    errors
        .iter()
        .map(|e| FieldErrorView {
            field: e.field.clone(),
            code: e.code.as_str().to_owned(),
            message_zh: e.message_zh.clone(),
        })
        .collect()
}
