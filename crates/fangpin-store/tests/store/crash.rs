//! A real child process is killed (SIGKILL) at random points while it saves; afterwards the
//! database is intact, every save that returned is there with its change-log entries, and
//! nothing is half-written.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use fangpin_sync::{Change, VersionId};

use super::support::*;

const ROUNDS: u64 = 30;

#[test]
fn killing_the_process_mid_save_loses_nothing_that_returned() {
    let dir = tempfile::tempdir().unwrap();
    new_store(dir.path()).lock().unwrap();
    let db = db_path(dir.path());
    let mut returned: HashMap<VersionId, Change> = HashMap::new();
    let mut rng: u64 = 0x9e37_79b9_7f4a_7c15;
    for round in 0..ROUNDS {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let kill_after = 1 + rng % 40;
        let mut child = Command::new(env!("CARGO_BIN_EXE_fangpin-store-crash-child"))
            .arg(&db)
            .arg(PASSCODE)
            .arg((rng ^ round).to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        for _ in 0..kill_after {
            let line = lines
                .next()
                .expect("the child stopped before it was killed")
                .unwrap();
            let changes: Vec<Change> = serde_json::from_str(&line).unwrap();
            for c in changes {
                returned.insert(c.id, c);
            }
        }
        child.kill().unwrap();
        let status = child.wait().unwrap();
        assert!(!status.success(), "round {round}: the child was killed");

        let store = reopen(dir.path());
        let problems = store.check().unwrap();
        assert!(problems.is_empty(), "round {round}: {problems:#?}");
        let logged: HashMap<VersionId, Change> = store
            .pending_changes(1_000_000)
            .unwrap()
            .into_iter()
            .map(|c| (c.id, c))
            .collect();
        for (id, c) in &returned {
            assert_eq!(logged.get(id), Some(c), "round {round}: save {id} was lost");
            let reg = store.register(&c.row, &c.field).unwrap().unwrap();
            assert!(reg.contains(id), "round {round}: {id} has no version");
        }
        store.lock().unwrap();
    }
    assert!(
        returned.len() > 100,
        "the child saved too little: {}",
        returned.len()
    );
}
