//! Attachments: uploads belong to their device, reads to the rows that name them, quotas.

use super::*;

/// Uploads belong to their device; a complete attachment is read only where a row names it.
pub async fn attachments_belong_to_their_device_and_their_rows(b: Arc<dyn Backend>) {
    let b = &*b;
    let data: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
    let hash = sha256_hex(&data);
    let size = data.len() as u64;
    let q = Quota::default();
    let (a, mut w) = actor(b, "photographer", Role::VillageCadre, &[V1]).await;
    let (squatter, _) = actor(b, "squatter", Role::VillageCadre, &[V1]).await;
    let (far, _) = actor(b, "far", Role::VillageCadre, &[V2]).await;
    let chunk = |sha256: &str, size: u64, offset: u64, bytes: Vec<u8>| Chunk {
        sha256: sha256.to_owned(),
        size,
        offset,
        bytes,
    };
    let put = |who: &Actor, size: u64, offset: u64, bytes: Vec<u8>| {
        b.put_attachment(who.clone(), chunk(&hash, size, offset, bytes), q, NOW)
    };
    let e = put(&a, size, 0, data[..10].to_vec()).await.unwrap_err();
    assert!(
        matches!(
            e,
            BackendError::Attachment {
                code: "attachment_unnamed",
                ..
            }
        ),
        "{e:?}"
    );
    // The visit that names the photo is pushed first, as the client does.
    let mut r = replica();
    let h = household(0xc00);
    let v = RowKey::new("visit", Uuid::from_u128(0xc01));
    let mut batch = w.create(&mut r, &h, &[("village_code", json!(V1))], 1);
    batch.extend(w.create(
        &mut r,
        &v,
        &[
            ("household_id", json!(h.id.to_string())),
            ("photos", json!([hash])),
        ],
        1,
    ));
    assert!(push(b, &a, &batch).await.refusals.is_empty());
    // Another device squats the hash with a wrong size: only its own upload is affected.
    assert!(put(&squatter, 7, 0, vec![1, 2, 3]).await.is_ok());
    let st = put(&a, size, 0, data[..4000].to_vec()).await.unwrap();
    assert_eq!((st.received, st.complete), (4000, false));
    assert!(
        put(&a, size, 6000, data[6000..].to_vec()).await.is_err(),
        "a gap is refused"
    );
    assert_eq!(
        b.attachment_status(a.clone(), hash.clone())
            .await
            .unwrap()
            .unwrap()
            .received,
        4000
    );
    assert_eq!(
        b.attachment_status(squatter.clone(), hash.clone())
            .await
            .unwrap()
            .unwrap()
            .received,
        3,
        "each device sees its own upload"
    );
    assert!(
        b.attachment(a.user.scope.clone(), hash.clone())
            .await
            .unwrap()
            .is_none(),
        "incomplete is not served"
    );
    let st = put(&a, size, 4000, data[4000..].to_vec()).await.unwrap();
    assert!(st.complete);
    assert_eq!(
        b.attachment(a.user.scope.clone(), hash.clone())
            .await
            .unwrap(),
        Some(data.clone())
    );
    assert!(
        b.attachment(far.user.scope.clone(), hash.clone())
            .await
            .unwrap()
            .is_none(),
        "another village's photo is not readable"
    );
    assert!(b
        .attachment_status(far.clone(), hash.clone())
        .await
        .unwrap()
        .is_none());
    assert!(
        put(&squatter, size, 0, data.clone())
            .await
            .unwrap()
            .complete,
        "the same bytes are complete for every device in scope"
    );
    // Bytes must match their hash; a device's upload restarts under another size.
    let mut wrong = data.clone();
    wrong[0] ^= 1;
    let (b2, mut w2) = actor(b, "careless", Role::VillageCadre, &[V1]).await;
    let other = sha256_hex(b"other photo");
    let v2 = RowKey::new("visit", Uuid::from_u128(0xc02));
    let mut r2 = r.clone();
    push(
        b,
        &b2,
        &w2.create(
            &mut r2,
            &v2,
            &[
                ("household_id", json!(h.id.to_string())),
                ("signature", json!(other)),
            ],
            2,
        ),
    )
    .await;
    let e = b
        .put_attachment(
            b2.clone(),
            chunk(&other, 11, 0, b"other phot0".to_vec()),
            q,
            NOW,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            BackendError::Attachment {
                code: "attachment_hash",
                ..
            }
        ),
        "{e:?}"
    );
    assert!(
        b.put_attachment(
            b2.clone(),
            chunk(&other, 11, 0, b"other photo".to_vec()),
            q,
            NOW
        )
        .await
        .unwrap()
        .complete
    );
    // Quotas, and unfinished uploads expire.
    let small = Quota {
        unfinished_per_device: 5,
        ..q
    };
    let e = b
        .put_attachment(
            a.clone(),
            chunk(&other, 11, 0, vec![0; 3]),
            Quota {
                stored_per_user: 1,
                ..small
            },
            NOW,
        )
        .await;
    assert!(
        e.unwrap().complete,
        "a complete attachment costs nothing more"
    );
    assert_eq!(
        b.expire_uploads(NOW + 1).await.unwrap(),
        1,
        "the squatter's unfinished upload expires"
    );
    assert!(
        b.attachment_status(squatter.clone(), hash.clone())
            .await
            .unwrap()
            .unwrap()
            .complete
    );
    assert_read_model(b).await;
}

/// What a user has stored and what a device has unfinished are counted by the service, and an
/// upload beyond either quota is refused with its reason; finishing an upload frees the
/// device's room, and an attachment already complete costs nothing more.
pub async fn attachment_quotas_count_what_the_user_and_the_device_hold(b: Arc<dyn Backend>) {
    let b = &*b;
    let (a, mut w) = actor(b, "quota", Role::VillageCadre, &[V1]).await;
    let photos: Vec<Vec<u8>> = (0..4u8).map(|p| vec![p; 100]).collect();
    let names: Vec<String> = photos.iter().map(|p| sha256_hex(p)).collect();
    let mut r = replica();
    let h = household(0xd00);
    let mut batch = w.create(&mut r, &h, &[("village_code", json!(V1))], 1);
    batch.extend(w.create(
        &mut r,
        &RowKey::new("visit", Uuid::from_u128(0xd01)),
        &[
            ("household_id", json!(h.id.to_string())),
            ("photos", json!(names)),
        ],
        1,
    ));
    assert!(push(b, &a, &batch).await.refusals.is_empty());
    let q = Quota {
        unfinished_per_device: 150,
        stored_per_user: 250,
        ..Quota::default()
    };
    let put = |i: usize, offset: usize, end: usize| {
        b.put_attachment(
            a.clone(),
            Chunk {
                sha256: names[i].clone(),
                size: 100,
                offset: offset as u64,
                bytes: photos[i][offset..end].to_vec(),
            },
            q,
            NOW,
        )
    };
    let quota_code = |e: BackendError| match e {
        BackendError::Attachment { code, message } => {
            assert!(message.contains("bytes"), "{message}");
            code
        }
        other => panic!("{other:?}"),
    };
    // The device's unfinished uploads: 100 bytes declared, room for 150.
    assert!(!put(0, 0, 50).await.unwrap().complete);
    assert_eq!(
        quota_code(put(1, 0, 10).await.unwrap_err()),
        "attachment_quota",
        "a second unfinished upload would exceed the device's room"
    );
    assert!(put(0, 50, 100).await.unwrap().complete);
    assert!(
        put(1, 0, 100).await.unwrap().complete,
        "a finished upload frees the room"
    );
    // The user's stored bytes: 200 of 250.
    assert_eq!(
        quota_code(put(2, 0, 100).await.unwrap_err()),
        "attachment_quota",
        "a third photo would exceed the user's quota"
    );
    assert!(
        put(0, 0, 100).await.unwrap().complete,
        "a complete attachment sent again costs nothing more"
    );
    assert_read_model(b).await;
}
