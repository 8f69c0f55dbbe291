//! The server's certificate: read from PEM files, re-read when they change (as
//! cert-manager rotates them, or a Secret volume swaps its `..data` link), the last good
//! pair kept when a new one cannot be read. Handshakes pick the current pair; connections
//! already established keep theirs.

use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

/// A loaded pair and what readiness and metrics need of it.
pub struct Loaded {
    pub key: Arc<CertifiedKey>,
    /// The leaf certificate's validity, in seconds since 1970.
    pub not_before: i64,
    pub not_after: i64,
    /// The files' bytes, to notice a change.
    seen: (Vec<u8>, Vec<u8>),
}

/// Reads the pair at `cert` and `key`.
pub fn load(cert: &Path, key: &Path) -> Result<Loaded, String> {
    let cert_pem = std::fs::read(cert).map_err(|e| format!("cannot read {}: {e}", cert.display()))?;
    let key_pem = std::fs::read(key).map_err(|e| format!("cannot read {}: {e}", key.display()))?;
    parse(&cert_pem, &key_pem, cert, key).map(|(key, (not_before, not_after))| Loaded {
        key,
        not_before,
        not_after,
        seen: (cert_pem, key_pem),
    })
}

type Validity = (i64, i64);

fn parse(cert_pem: &[u8], key_pem: &[u8], cert: &Path, key: &Path) -> Result<(Arc<CertifiedKey>, Validity), String> {
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(cert_pem)
        .collect::<Result<_, _>>()
        .map_err(|e| format!("{}: not a PEM certificate chain: {e:?}", cert.display()))?;
    let leaf = chain.first().ok_or_else(|| format!("{}: no certificate in the file", cert.display()))?;
    let validity =
        validity(leaf).ok_or_else(|| format!("{}: cannot read the certificate's validity", cert.display()))?;
    let private = PrivateKeyDer::from_pem_slice(key_pem)
        .map_err(|e| format!("{}: not a PEM private key: {e:?}", key.display()))?;
    let signing = rustls::crypto::ring::sign::any_supported_type(&private)
        .map_err(|e| format!("{}: unsupported private key: {e}", key.display()))?;
    let certified = CertifiedKey::new(chain, signing);
    certified.keys_match().map_err(|e| format!("{} and {} do not match: {e}", cert.display(), key.display()))?;
    Ok((Arc::new(certified), validity))
}

/// The certificate handshakes use, swapped by [`Resolver::reload`].
#[derive(Debug)]
pub struct Resolver {
    current: RwLock<Arc<CertifiedKey>>,
    validity: RwLock<Validity>,
    seen: RwLock<(Vec<u8>, Vec<u8>)>,
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// What a reload did.
#[derive(Debug, PartialEq, Eq)]
pub enum Reload {
    Unchanged,
    Reloaded,
    Failed(String),
}

impl Resolver {
    pub fn new(loaded: Loaded, cert: PathBuf, key: PathBuf) -> Resolver {
        Resolver {
            current: RwLock::new(loaded.key),
            validity: RwLock::new((loaded.not_before, loaded.not_after)),
            seen: RwLock::new(loaded.seen),
            cert,
            key,
        }
    }

    /// Re-reads the files; a changed pair that loads replaces the current one.
    pub fn reload(&self) -> Reload {
        let (Ok(cert_pem), Ok(key_pem)) = (std::fs::read(&self.cert), std::fs::read(&self.key)) else {
            return Reload::Failed(format!("cannot read {} or {}", self.cert.display(), self.key.display()));
        };
        {
            let seen = self.seen.read().unwrap_or_else(|p| p.into_inner());
            if seen.0 == cert_pem && seen.1 == key_pem {
                return Reload::Unchanged;
            }
        }
        match parse(&cert_pem, &key_pem, &self.cert, &self.key) {
            Ok((key, validity)) => {
                *self.current.write().unwrap_or_else(|p| p.into_inner()) = key;
                *self.validity.write().unwrap_or_else(|p| p.into_inner()) = validity;
                *self.seen.write().unwrap_or_else(|p| p.into_inner()) = (cert_pem, key_pem);
                Reload::Reloaded
            }
            // A half-written rotation (the certificate new, the key not yet): tried again
            // at the next look, the current pair serving meanwhile.
            Err(e) => Reload::Failed(e),
        }
    }

    /// The current certificate's validity (seconds since 1970).
    pub fn validity(&self) -> Validity {
        *self.validity.read().unwrap_or_else(|p| p.into_inner())
    }
}

impl ResolvesServerCert for Resolver {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.current.read().unwrap_or_else(|p| p.into_inner()).clone())
    }
}

/// The `notBefore` and `notAfter` of an X.509 certificate (DER), in seconds since 1970:
/// `Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { [0] version OPTIONAL,
/// serialNumber, signature, issuer, validity SEQUENCE { notBefore, notAfter } … } … }`.
pub fn validity(der: &[u8]) -> Option<Validity> {
    let (cert, _) = tlv(der, 0x30)?;
    let (mut tbs, _) = tlv(cert, 0x30)?;
    if tbs.first() == Some(&0xa0) {
        tbs = tlv(tbs, 0xa0)?.1;
    }
    let (_, rest) = tlv(tbs, 0x02)?; // serialNumber
    let (_, rest) = tlv(rest, 0x30)?; // signature
    let (_, rest) = tlv(rest, 0x30)?; // issuer
    let (validity, _) = tlv(rest, 0x30)?;
    let (before, rest) = time(validity)?;
    let (after, _) = time(rest)?;
    Some((before, after))
}

/// One DER element of tag `tag`: its contents and what follows it.
fn tlv(input: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
    let (&t, rest) = input.split_first()?;
    if t != tag {
        return None;
    }
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (first as usize, rest)
    } else {
        let n = (first & 0x7f) as usize;
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        (rest[..n].iter().fold(0usize, |a, &b| (a << 8) | b as usize), &rest[n..])
    };
    (rest.len() >= len).then(|| rest.split_at(len))
}

/// A UTCTime (`YYMMDDHHMMSSZ`) or GeneralizedTime (`YYYYMMDDHHMMSSZ`), in seconds since
/// 1970, and what follows it.
fn time(input: &[u8]) -> Option<(i64, &[u8])> {
    let (text, rest, year_digits) = match input.first()? {
        0x17 => tlv(input, 0x17).map(|(t, r)| (t, r, 2))?,
        0x18 => tlv(input, 0x18).map(|(t, r)| (t, r, 4))?,
        _ => return None,
    };
    let text = std::str::from_utf8(text).ok()?.strip_suffix('Z')?;
    if text.len() != year_digits + 10 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let num = |a: usize, b: usize| text[a..b].parse::<i64>().ok();
    let mut year = num(0, year_digits)?;
    if year_digits == 2 {
        // RFC 5280: 50-99 are 19xx, 00-49 are 20xx.
        year += if year >= 50 { 1900 } else { 2000 };
    }
    let at = year_digits;
    let (month, day) = (num(at, at + 2)?, num(at + 2, at + 4)?);
    let (hour, minute, second) = (num(at + 4, at + 6)?, num(at + 6, at + 8)?, num(at + 8, at + 10)?);
    Some((days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second, rest))
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_count_days_as_the_calendar_does() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(2026, 12, 1), 20_788);
        assert_eq!(time(b"\x17\x0d261201120000Z").map(|t| t.0), Some(20_788 * 86_400 + 12 * 3600));
        assert_eq!(
            time(b"\x18\x0f20491231235959Z").map(|t| t.0),
            Some(days_from_civil(2049, 12, 31) * 86_400 + 86_399)
        );
        assert_eq!(time(b"\x17\x0d2612011200Z0"), None);
    }

    #[test]
    fn a_generated_certificate_gives_its_validity() {
        let mut params = rcgen::CertificateParams::new(vec!["kubegate.kubegate.svc".into()]).unwrap();
        params.not_before = rcgen::date_time_ymd(2026, 1, 2);
        params.not_after = rcgen::date_time_ymd(2027, 3, 4);
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = params.self_signed(&key).unwrap();
        let (before, after) = validity(cert.der()).unwrap();
        assert_eq!(before, days_from_civil(2026, 1, 2) * 86_400);
        assert_eq!(after, days_from_civil(2027, 3, 4) * 86_400);
    }
}
