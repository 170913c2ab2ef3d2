//! A private S3-compatible server per test: `moto_server` (PyPI `moto[server]`), on a free
//! loopback port, with one bucket. `scripts/services.sh` installs it into `/opt/chat-moto`;
//! `MOTO_SERVER` names another binary. A test that needs it fails (never skips) without it.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub const BUCKET: &str = "chat-uploads";

pub struct TestS3 {
    pub port: u16,
    child: Child,
}

/// Where moto_server is: `MOTO_SERVER`, the venv services.sh makes, or the PATH.
fn moto_binary() -> PathBuf {
    if let Ok(bin) = std::env::var("MOTO_SERVER") {
        return PathBuf::from(bin);
    }
    let venv = PathBuf::from("/opt/chat-moto/bin/moto_server");
    if venv.exists() {
        return venv;
    }
    PathBuf::from("moto_server")
}

impl TestS3 {
    pub async fn start() -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("free port");
        let bin = moto_binary();
        let child = Command::new(&bin)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "the S3 tests need moto_server ({}: {e}); run scripts/services.sh, which \
                     installs `moto[server]` into /opt/chat-moto, or set MOTO_SERVER",
                    bin.display()
                )
            });
        let s3 = Self { port, child };
        let http = reqwest::Client::new();
        for _ in 0..200 {
            // Creating the bucket is also the readiness probe.
            if let Ok(resp) = http.put(format!("{}/{BUCKET}", s3.endpoint())).send().await
                && resp.status().is_success()
            {
                return s3;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("moto_server did not start on port {port}");
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The server's settings for this store.
    pub fn env(&self) -> Vec<(String, String)> {
        [
            ("UPLOAD_S3_BUCKET", BUCKET.to_owned()),
            ("UPLOAD_S3_ENDPOINT", self.endpoint()),
            ("UPLOAD_S3_REGION", "us-east-1".to_owned()),
            ("AWS_ACCESS_KEY_ID", "test".to_owned()),
            ("AWS_SECRET_ACCESS_KEY", "test".to_owned()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    }

    /// The keys stored in the bucket, sorted.
    pub async fn keys(&self) -> Vec<String> {
        let body = reqwest::Client::new()
            .get(format!("{}/{BUCKET}?list-type=2", self.endpoint()))
            .send()
            .await
            .expect("list the bucket")
            .text()
            .await
            .expect("listing");
        let mut keys: Vec<String> = body
            .split("<Key>")
            .skip(1)
            .filter_map(|rest| rest.split("</Key>").next())
            .map(str::to_owned)
            .collect();
        keys.sort();
        keys
    }
}

impl Drop for TestS3 {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
