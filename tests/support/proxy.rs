//! A loopback HTTP proxy for fault tests: forwards requests to the service, and can cut a
//! response after some bytes or corrupt a pulled batch so that its checksum fails.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the proxy does to the next responses.
#[derive(Debug, Default)]
pub struct Faults {
    /// Responses still to cut (after 200 bytes).
    pub cut: AtomicUsize,
    /// Pull responses still to corrupt.
    pub corrupt: AtomicUsize,
    /// Responses corrupted so far.
    pub corrupted: AtomicUsize,
    /// Responses cut so far.
    pub was_cut: AtomicUsize,
    /// Attachment uploads (PUT) still to cut: the request reaches the service, the answer is lost.
    pub cut_upload: AtomicUsize,
}

/// Starts the proxy in front of `upstream` (host:port); returns its base URL.
pub async fn start(upstream: String, faults: Arc<Faults>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((conn, _)) = listener.accept().await {
            let up = upstream.clone();
            let faults = faults.clone();
            tokio::spawn(async move {
                let _ = handle(conn, up, faults).await;
            });
        }
    });
    format!("http://{addr}")
}

async fn read_message(s: &mut TcpStream) -> std::io::Result<Option<Vec<u8>>> {
    let mut buf = Vec::new();
    let mut tmp = [0u8; 8192];
    let head_end = loop {
        let n = s.read(&mut tmp).await?;
        if n == 0 {
            return Ok(None);
        }
        buf.extend_from_slice(&tmp[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
    let len: usize = head
        .lines()
        .find_map(|l| {
            l.strip_prefix("content-length:")
                .map(|v| v.trim().parse().unwrap_or(0))
        })
        .unwrap_or(0);
    while buf.len() < head_end + len {
        let n = s.read(&mut tmp).await?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&tmp[..n]);
    }
    Ok(Some(buf))
}

async fn handle(
    mut client: TcpStream,
    upstream: String,
    faults: Arc<Faults>,
) -> std::io::Result<()> {
    loop {
        let Some(req) = read_message(&mut client).await? else {
            return Ok(());
        };
        let text = String::from_utf8_lossy(&req);
        let is_pull = text.starts_with("POST /api/v1/sync/pull");
        let is_upload = text.starts_with("PUT /api/v1/attachments/");
        // Ask for an uncompressed body, so a corruption stays valid JSON and only the checksum
        // can catch it. Only the head is rewritten: bodies (attachment chunks) stay byte for byte.
        let head_end = req
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .map_or(req.len(), |i| i + 4);
        let head = String::from_utf8_lossy(&req[..head_end]);
        let mut rewritten: Vec<u8> = head
            .split("\r\n")
            .filter(|l| !l.to_ascii_lowercase().starts_with("accept-encoding:"))
            .collect::<Vec<_>>()
            .join("\r\n")
            .into_bytes();
        rewritten.extend_from_slice(&req[head_end..]);
        let req = rewritten;
        let mut up = TcpStream::connect(&upstream).await?;
        up.write_all(&req).await?;
        let Some(mut resp) = read_message(&mut up).await? else {
            return Ok(());
        };
        if is_upload && take(&faults.cut_upload) {
            faults.was_cut.fetch_add(1, Ordering::SeqCst);
            return Ok(()); // the chunk is stored, its answer never arrives
        }
        if take(&faults.cut) {
            let n = resp.len().min(200);
            client.write_all(&resp[..n]).await?;
            faults.was_cut.fetch_add(1, Ordering::SeqCst);
            return Ok(()); // drop the connection mid-response
        }
        if is_pull && take(&faults.corrupt) {
            // Change one digit of a clock reading inside the batch: still JSON, wrong checksum.
            let body_start = resp
                .windows(4)
                .position(|w| w == b"\r\n\r\n")
                .map_or(0, |i| i + 4);
            if let Some(i) = find(&resp[body_start..], b"\"wall_ms\":") {
                let at = body_start + i + 10;
                resp[at] = if resp[at] == b'1' { b'2' } else { b'1' };
                faults.corrupted.fetch_add(1, Ordering::SeqCst);
            }
        }
        client.write_all(&resp).await?;
    }
}

fn take(counter: &AtomicUsize) -> bool {
    counter
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok()
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}
