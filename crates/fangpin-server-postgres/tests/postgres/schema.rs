//! The schema itself: every key of household data begins with the county, the read model's
//! columns are the catalogue's, reconnecting migrates nothing, and a pull reads one snapshot
//! while a push commits between its queries.

use std::collections::BTreeSet;
use std::sync::Arc;

use fangpin_server::cluster::Cluster;
use fangpin_server::testkit::{actor, V1, V2};
use fangpin_server::{Backend, Role};
use fangpin_server_postgres::schema::REFERENCE_TABLES;
use fangpin_server_postgres::PostgresBackend;
use fangpin_sync::wire::{PullRequest, PROTOCOL_VERSION};
use fangpin_sync::{Replica, RowKey};
use serde_json::json;
use tokio_postgres::NoTls;
use uuid::Uuid;

async fn raw(url: &str) -> tokio_postgres::Client {
    let (client, conn) = tokio_postgres::connect(url, NoTls).await.expect("connect");
    tokio::spawn(conn);
    client
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_key_of_household_data_begins_with_the_county() {
    let cluster = Cluster::shared().expect("cluster");
    let url = cluster.fresh_database().expect("database");
    drop(PostgresBackend::connect(&url, 1).await.expect("connect"));
    let c = raw(&url).await;
    let rows = c
        .query(
            "SELECT t.relname, i.relname, a.attname FROM pg_index x \
             JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid \
             JOIN pg_namespace n ON n.oid = t.relnamespace \
             JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = x.indkey[0] \
             WHERE n.nspname = 'public' AND (x.indisunique OR x.indisprimary)",
            &[],
        )
        .await
        .expect("indexes");
    assert!(!rows.is_empty());
    let mut tables = BTreeSet::new();
    for r in rows {
        let (table, index, first): (String, String, String) = (r.get(0), r.get(1), r.get(2));
        tables.insert(table.clone());
        if REFERENCE_TABLES.contains(&table.as_str()) {
            continue;
        }
        assert_eq!(
            first, "county",
            "{table}: key {index} must begin with the county (docs/scale.md)"
        );
    }
    for t in fangpin_catalogue::tables() {
        assert!(
            tables.contains(&format!("rm_{}", t.name)),
            "rm_{} has a key",
            t.name
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_read_model_has_exactly_the_catalogues_columns() {
    let cluster = Cluster::shared().expect("cluster");
    let url = cluster.fresh_database().expect("database");
    drop(PostgresBackend::connect(&url, 1).await.expect("connect"));
    let c = raw(&url).await;
    for t in fangpin_catalogue::tables() {
        let found: BTreeSet<String> = c
            .query(
                "SELECT column_name::text FROM information_schema.columns WHERE table_name = $1",
                &[&format!("rm_{}", t.name)],
            )
            .await
            .expect("columns")
            .iter()
            .map(|r| r.get(0))
            .collect();
        let want: BTreeSet<String> = fangpin_server::state::read_model_columns(t.name, true)
            .into_iter()
            .map(str::to_owned)
            .collect();
        assert_eq!(
            found, want,
            "rm_{} and the catalogue disagree: add a migration",
            t.name
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconnecting_migrates_nothing_and_keeps_the_data() {
    let cluster = Cluster::shared().expect("cluster");
    let url = cluster.fresh_database().expect("database");
    let b = PostgresBackend::connect(&url, 2).await.expect("connect");
    fangpin_server::testkit::push_is_idempotent_and_scoped(Arc::new(b)).await;
    let again = PostgresBackend::connect(&url, 1).await.expect("reconnect");
    assert!(again
        .user_by_name("cadre1".into())
        .await
        .expect("query")
        .is_some());
    fangpin_server::testkit::assert_read_model(&again).await;
}

/// A push that creates a new village and then writes to an existing one commits between a
/// pull's two reads: the pull must not move the cursor past the new village's changes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pull_reads_one_snapshot_while_a_push_commits() {
    let cluster = Cluster::shared().expect("cluster");
    let url = cluster.fresh_database().expect("database");
    let plain = PostgresBackend::connect(&url, 4).await.expect("connect");
    let (sup, mut w) = actor(&plain, "sup", Role::TownshipSupervisor, &["530325101"]).await;
    let mut r = Replica::new(fangpin_catalogue::schema().clone());
    let old = RowKey::new("household", Uuid::from_u128(1));
    let first = w.create(&mut r, &old, &[("village_code", json!(V1))], 1);
    plain
        .push(sup.clone(), PROTOCOL_VERSION, first, 1)
        .await
        .expect("push");
    let fresh = RowKey::new("household", Uuid::from_u128(2));
    let mut late = w.create(&mut r, &fresh, &[("village_code", json!(V2))], 2);
    late.push(w.set(&mut r, &old, "phone", json!("1"), 3).expect("set"));
    let pusher = plain.clone();
    let who = sup.clone();
    let once = Arc::new(tokio::sync::Mutex::new(Some(late)));
    let hooked = PostgresBackend::connect(&url, 2)
        .await
        .expect("connect")
        .with_pull_hook(Arc::new(move || {
            let (pusher, who, once) = (pusher.clone(), who.clone(), once.clone());
            Box::pin(async move {
                if let Some(late) = once.lock().await.take() {
                    pusher.push(who, PROTOCOL_VERSION, late, 4).await?;
                }
                Ok(())
            })
        }));
    let mut cursor = 0;
    let mut seen = Replica::new(fangpin_catalogue::schema().clone());
    for _ in 0..2 {
        let resp = hooked
            .pull(sup.clone(), PullRequest::new(cursor, 100), usize::MAX)
            .await
            .expect("pull");
        for s in &resp.changes {
            seen.apply(&s.change);
        }
        cursor = resp.next_cursor;
    }
    assert!(
        seen.is_alive(&fresh),
        "the new village's rows arrive at the next pull"
    );
    assert_eq!(seen.value(&old, "phone"), Some(json!("1")));
}
