//! A plain HTTP client of the service's API for the scenarios that speak HTTP themselves.

use reqwest::StatusCode;
use serde_json::{json, Value};

/// A plain HTTP client of the service's API, answering status and JSON body.
pub struct Http {
    /// The service's base URL.
    pub base: String,
    c: reqwest::Client,
}

impl Http {
    /// A client of the service at `base`. It keeps no idle connections: the service may close
    /// one after refusing a request (an oversized body, unread), and a client that reused it
    /// would see the next request cut off, a race of the client's pool, not of the service.
    pub fn new(base: &str) -> Http {
        Http {
            base: base.to_owned(),
            c: reqwest::Client::builder()
                .pool_max_idle_per_host(0)
                .build()
                .expect("client"),
        }
    }

    /// A client whose connections come from `from` (another loopback address, say), as another
    /// machine's would.
    pub fn from_address(base: &str, from: std::net::IpAddr) -> Http {
        Http {
            base: base.to_owned(),
            c: reqwest::Client::builder()
                .local_address(from)
                .pool_max_idle_per_host(0)
                .build()
                .expect("client"),
        }
    }

    /// The bytes of a stored attachment, as a device with `cred` downloads them.
    pub async fn download(&self, sha256: &str, cred: &str) -> Vec<u8> {
        self.c
            .get(format!("{}/api/v1/attachments/{sha256}", self.base))
            .bearer_auth(cred)
            .send()
            .await
            .expect("download")
            .bytes()
            .await
            .expect("bytes")
            .to_vec()
    }

    /// The underlying client, for requests `call` cannot make.
    pub fn client(&self) -> &reqwest::Client {
        &self.c
    }

    /// Sends a request; `PUT` bodies go as raw bytes, others as JSON.
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        cred: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let url = format!("{}{path}", self.base);
        let mut req = match method {
            "GET" => self.c.get(url),
            "PUT" => self.c.put(url),
            "PATCH" => self.c.patch(url),
            "POST" => self.c.post(url),
            other => panic!("{other}: not a method the scenarios use"),
        };
        if let Some(c) = cred {
            req = req.bearer_auth(c);
        }
        if let Some(b) = body {
            req = if method == "PUT" {
                req.body(serde_json::to_vec(&b).unwrap_or_default())
            } else {
                req.json(&b)
            };
        }
        let resp = req.send().await.expect("request");
        let status = resp.status();
        let text = resp.text().await.unwrap_or_default();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// Signs in as `user` (password `password-123`) and returns the console credential.
    pub async fn login(&self, user: &str) -> String {
        let (s, v) = self
            .call(
                "POST",
                "/api/v1/login",
                None,
                Some(json!({"username": user, "password": "password-123"})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        v["credential"].as_str().expect("credential").to_owned()
    }

    /// Enrols a device as `user` (password `password-123`).
    pub async fn enrol(&self, user: &str) -> (StatusCode, Value) {
        self.call(
            "POST",
            "/api/v1/enrol",
            None,
            Some(json!({"username": user, "password": "password-123", "device_name": "t"})),
        )
        .await
    }
}
