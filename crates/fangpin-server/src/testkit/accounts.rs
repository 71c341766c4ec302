//! Accounts: created, updated, disabled, their devices revoked and renewed.

use super::*;

/// Accounts: unique names, updates, passwords, devices revoked and renewed.
pub async fn accounts_are_managed(b: Arc<dyn Backend>) {
    let b = &*b;
    let (a, _) = actor(b, "acct", Role::Office, &[V1]).await;
    assert!(b.user_by_name("acct".into()).await.unwrap().is_some());
    let dup = b.create_user(a.user.clone(), "x".into()).await;
    assert!(
        matches!(dup, Err(BackendError::Exists(_))),
        "a user name is unique"
    );
    let mut changed = a.user.clone();
    changed.disabled = true;
    changed.role = Role::VillageCadre;
    changed.scope = Scope::new([V2]);
    b.update_user(changed.clone()).await.unwrap();
    assert_eq!(b.user(a.user.id).await.unwrap(), Some(changed));
    b.set_password(a.user.id, "new-hash".into()).await.unwrap();
    assert_eq!(
        b.user_by_name("acct".into())
            .await
            .unwrap()
            .unwrap()
            .password_hash,
        "new-hash"
    );
    assert!(matches!(
        b.set_password(Uuid::nil(), "x".into()).await,
        Err(BackendError::NotFound(_))
    ));
    assert!(b.devices(Some(a.user.id)).await.unwrap().len() == 1);
    assert!(b
        .renew_device(a.device.id, "renewed".into(), 99)
        .await
        .unwrap());
    let d = b.device(a.device.id).await.unwrap().unwrap();
    assert_eq!(
        (d.secret_hash.as_str(), d.device.expires_ms),
        ("renewed", 99)
    );
    assert!(b.revoke_device(a.device.id, 5).await.unwrap());
    assert_eq!(
        b.device(a.device.id)
            .await
            .unwrap()
            .unwrap()
            .device
            .revoked_ms,
        Some(5)
    );
    assert!(
        !b.renew_device(a.device.id, "again".into(), 100)
            .await
            .unwrap(),
        "a revoked device is not renewed"
    );
    assert!(!b.revoke_device(Uuid::nil(), 5).await.unwrap());
}
