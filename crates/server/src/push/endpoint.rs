//! What a push subscription may point at. A user chooses the endpoint, and the server then sends
//! requests to it: without these checks anyone could make the server probe or hit addresses in
//! its own network (SSRF). An endpoint must be https on a public address; the host's name is
//! resolved when a push is sent, by [`PublicResolver`], which drops private addresses (a name
//! that resolves to one later cannot slip through either).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::Url;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// Longest endpoint kept; the push services' own are under 500 characters.
pub(crate) const ENDPOINT_MAX: usize = 2048;

/// A subscription's decoded keys.
pub(crate) struct Keys {
    pub public: p256::PublicKey,
    pub auth: web_push_native::Auth,
}

/// The endpoint as a URL, or why it is refused.
pub(crate) fn check(endpoint: &str, allow_private: bool) -> Result<Url, String> {
    check_text(endpoint)?;
    let url = Url::parse(endpoint).map_err(|_| "endpoint must be an absolute URL".to_string())?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err("endpoint must not carry credentials".into());
    }
    if allow_private {
        if !matches!(url.scheme(), "https" | "http") {
            return Err("endpoint must be an http(s) URL".into());
        }
        return Ok(url);
    }
    if url.scheme() != "https" {
        return Err("endpoint must be an https URL".into());
    }
    match url.host() {
        None => Err("endpoint must name a host".into()),
        Some(url::Host::Ipv4(ip)) if !is_public(IpAddr::V4(ip)) => {
            Err("endpoint must not point at a private address".into())
        }
        Some(url::Host::Ipv6(ip)) if !is_public(IpAddr::V6(ip)) => {
            Err("endpoint must not point at a private address".into())
        }
        Some(url::Host::Domain(name)) if is_local_name(name) => {
            Err("endpoint must not point at a private address".into())
        }
        Some(_) => Ok(url),
    }
}

/// What any endpoint given to the server must be, even one only looked up: bounded, and without
/// control characters (which no URL has, and PostgreSQL cannot store NUL).
pub(crate) fn check_text(endpoint: &str) -> Result<(), String> {
    if endpoint.len() > ENDPOINT_MAX {
        return Err(format!(
            "endpoint must be at most {ENDPOINT_MAX} characters"
        ));
    }
    if endpoint.chars().any(char::is_control) {
        return Err("endpoint must not contain control characters".into());
    }
    Ok(())
}

/// The browser's keys: `p256dh` a P-256 point, `auth` 16 bytes, both base64url.
pub(crate) fn keys(p256dh: &str, auth: &str) -> Result<Keys, String> {
    let decode = |s: &str| URL_SAFE_NO_PAD.decode(s.trim_end_matches('='));
    let point = decode(p256dh).map_err(|_| "keys.p256dh must be base64url".to_string())?;
    let public = p256::PublicKey::from_sec1_bytes(&point)
        .map_err(|_| "keys.p256dh must be a P-256 public key".to_string())?;
    let auth = decode(auth).map_err(|_| "keys.auth must be base64url".to_string())?;
    if auth.len() != 16 {
        return Err("keys.auth must be 16 bytes".into());
    }
    let mut secret = web_push_native::Auth::default();
    secret.copy_from_slice(&auth);
    Ok(Keys {
        public,
        auth: secret,
    })
}

fn is_local_name(name: &str) -> bool {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    name == "localhost" || name.ends_with(".localhost") || !name.contains('.')
}

/// Whether `ip` is reachable on the public internet: not loopback, private, link-local,
/// carrier-grade NAT, documentation, multicast, unspecified, or an IPv4 address in IPv6 dress.
pub(crate) fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public_v4(v4),
            None => is_public_v6(v6),
        },
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    !(ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_documentation()
        || ip.is_multicast()
        || a == 0
        || (a == 100 && (64..128).contains(&b))
        || (a == 192 && b == 0)
        || (a == 198 && (18..20).contains(&b))
        || a >= 240)
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    !(ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00 // unique local
        || (first & 0xffc0) == 0xfe80 // link-local
        || first == 0x2001 && ip.segments()[1] == 0x0db8 // documentation
        || first == 0x0064 && ip.segments()[1] == 0xff9b) // NAT64 to anything
}

/// Resolves push-service names and keeps only public addresses.
pub(crate) struct PublicResolver;

impl Resolve for PublicResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found = tokio::net::lookup_host((host.as_str(), 0)).await?;
            let public: Vec<SocketAddr> = found.filter(|a| is_public(a.ip())).collect();
            if public.is_empty() {
                return Err(format!("{host} has no public address").into());
            }
            let addrs: Addrs = Box::new(public.into_iter());
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints() {
        assert!(check("https://fcm.googleapis.com/fcm/send/abc", false).is_ok());
        assert!(
            check(
                "https://updates.push.services.mozilla.com/wpush/v2/x",
                false
            )
            .is_ok()
        );
        for refused in [
            "http://fcm.googleapis.com/fcm/send/abc",
            "https://127.0.0.1/push",
            "https://10.1.2.3/push",
            "https://192.168.0.1:8443/push",
            "https://169.254.169.254/latest/meta-data",
            "https://[::1]/push",
            "https://[fd00::1]/push",
            "https://[::ffff:127.0.0.1]/push",
            "https://localhost/push",
            "https://db.localhost/push",
            "https://intranet/push",
            "https://user:pw@fcm.googleapis.com/x",
            "ftp://fcm.googleapis.com/x",
            "not a url",
            "/relative",
            "https://push.example.com/a\u{0}b",
            "https://push.example.com/a\u{85}b",
        ] {
            assert!(check(refused, false).is_err(), "{refused} accepted");
        }
        assert!(check(&format!("https://a.example/{}", "x".repeat(3000)), false).is_err());
        assert!(check("http://127.0.0.1:9/push", true).is_ok());
        assert!(check("file:///etc/passwd", true).is_err());
    }

    #[test]
    fn addresses() {
        for private in [
            "100.64.0.1",
            "0.1.2.3",
            "240.0.0.1",
            "198.18.0.1",
            "fe80::1",
        ] {
            assert!(!is_public(private.parse().expect("ip")), "{private}");
        }
        for public in ["8.8.8.8", "142.250.1.1", "2a00:1450:4001::200e"] {
            assert!(is_public(public.parse().expect("ip")), "{public}");
        }
    }

    #[test]
    fn subscription_keys() {
        let secret = p256::SecretKey::from_slice(&[9u8; 32]).expect("scalar");
        use p256::elliptic_curve::sec1::ToEncodedPoint;
        let point = secret.public_key().to_encoded_point(false);
        let p256dh = URL_SAFE_NO_PAD.encode(point.as_bytes());
        let auth = URL_SAFE_NO_PAD.encode([1u8; 16]);
        assert!(keys(&p256dh, &auth).is_ok());
        assert!(keys(&p256dh, &URL_SAFE_NO_PAD.encode([1u8; 15])).is_err());
        assert!(keys(&URL_SAFE_NO_PAD.encode([4u8; 65]), &auth).is_err());
        assert!(keys("%%%", &auth).is_err());
    }
}
