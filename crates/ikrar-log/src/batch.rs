//! Ed25519 signatures checked many at a time, as strictly as one at a time. Each signature's R
//! and its key A are decompressed once: points of small order (and a non-canonical S) are
//! refused there, as `verify_strict` refuses them, and the same points go into one multiscalar
//! multiplication for the whole batch (the cofactored batch equation of ed25519-dalek's
//! `verify_batch`):
//!
//! `[8]( [−Σ zᵢsᵢ]B + Σ [zᵢ]Rᵢ + Σ [zᵢhᵢ]Aᵢ ) = 0`, with `hᵢ = SHA-512(Rᵢ ‖ Aᵢ ‖ Mᵢ) mod ℓ`.
//!
//! The 128-bit weights `zᵢ` come from SHA-512 over the whole batch, so they are fixed only
//! once every signature is (as dalek derives them from a transcript of the batch). When the
//! equation fails, each signature is checked alone, cofactorless (`[s]B − [h]A = R`, as
//! `verify_strict` does), to name the bad ones.

use curve25519_dalek::constants::ED25519_BASEPOINT_POINT;
use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::{IsIdentity, VartimeMultiscalarMul};
use sha2::{Digest, Sha512};

/// One signature to check.
pub struct Item<'a> {
    pub key: &'a [u8; 32],
    pub signature: &'a [u8; 64],
    pub message: &'a [u8],
}

/// A signature whose points decompressed and passed the strict checks.
struct Prepared<'a> {
    position: usize,
    /// The signature as given, for the batch's weights.
    item: &'a Item<'a>,
    a: EdwardsPoint,
    r: EdwardsPoint,
    s: Scalar,
    h: Scalar,
}

/// The positions in `items` of the signatures that do not verify, in order.
pub fn invalid(items: &[Item]) -> Vec<usize> {
    let mut bad = Vec::new();
    let mut ready = Vec::with_capacity(items.len());
    for (position, item) in items.iter().enumerate() {
        match prepare(position, item) {
            Some(p) => ready.push(p),
            None => bad.push(position),
        }
    }
    if !holds_together(&ready) {
        bad.extend(ready.iter().filter(|p| !holds_alone(p)).map(|p| p.position));
        bad.sort_unstable();
    }
    bad
}

/// Decompresses A and R once; `None` for what strict verification refuses.
fn prepare<'a>(position: usize, item: &'a Item<'a>) -> Option<Prepared<'a>> {
    let a = CompressedEdwardsY(*item.key).decompress()?;
    let mut r_bytes = [0u8; 32];
    r_bytes.copy_from_slice(&item.signature[..32]);
    let r = CompressedEdwardsY(r_bytes).decompress()?;
    // A key or an R of small order lets one "signature" pass for many messages.
    if a.is_small_order() || r.is_small_order() {
        return None;
    }
    let mut s_bytes = [0u8; 32];
    s_bytes.copy_from_slice(&item.signature[32..]);
    let s = Option::<Scalar>::from(Scalar::from_canonical_bytes(s_bytes))?;
    let digest = Sha512::new()
        .chain_update(r_bytes)
        .chain_update(item.key)
        .chain_update(item.message)
        .finalize();
    let h = Scalar::from_bytes_mod_order_wide(&digest.into());
    Some(Prepared {
        position,
        item,
        a,
        r,
        s,
        h,
    })
}

/// The batch equation over every prepared signature.
fn holds_together(ready: &[Prepared]) -> bool {
    if ready.is_empty() {
        return true;
    }
    // The bytes as given (compressing the points again would cost an inversion each).
    let mut transcript = Sha512::new().chain_update(b"ikrar/v1 batch weights\n");
    for p in ready {
        transcript.update(p.item.signature);
        transcript.update(p.item.key);
        transcript.update(p.h.as_bytes());
    }
    let seed = transcript.finalize();
    // Four 128-bit weights from each block of SHA-512 output.
    let weights: Vec<Scalar> = (0..ready.len().div_ceil(4) as u64)
        .flat_map(|block| {
            let bytes = Sha512::new()
                .chain_update(seed)
                .chain_update(block.to_le_bytes())
                .finalize();
            (0..4).map(move |k| {
                let mut z = [0u8; 32];
                z[..16].copy_from_slice(&bytes[16 * k..16 * (k + 1)]);
                Scalar::from_bytes_mod_order(z)
            })
        })
        .take(ready.len())
        .collect();
    let b_coefficient: Scalar = -ready
        .iter()
        .zip(&weights)
        .map(|(p, z)| z * p.s)
        .sum::<Scalar>();
    let scalars = std::iter::once(b_coefficient)
        .chain(weights.iter().copied())
        .chain(ready.iter().zip(&weights).map(|(p, z)| z * p.h));
    let points = std::iter::once(ED25519_BASEPOINT_POINT)
        .chain(ready.iter().map(|p| p.r))
        .chain(ready.iter().map(|p| p.a));
    EdwardsPoint::vartime_multiscalar_mul(scalars, points)
        .mul_by_cofactor()
        .is_identity()
}

/// One signature alone, cofactorless: `[s]B − [h]A = R`.
fn holds_alone(p: &Prepared) -> bool {
    EdwardsPoint::vartime_double_scalar_mul_basepoint(&p.h, &-p.a, &p.s) == p.r
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::{Signer, SigningKey};

    fn signed(n: u8) -> ([u8; 32], [u8; 64], Vec<u8>) {
        let key = SigningKey::from_bytes(&[n; 32]);
        let message = format!("pesan {n}").into_bytes();
        (
            key.verifying_key().to_bytes(),
            key.sign(&message).to_bytes(),
            message,
        )
    }

    fn check(list: &[([u8; 32], [u8; 64], Vec<u8>)]) -> Vec<usize> {
        let items: Vec<Item> = list
            .iter()
            .map(|(key, signature, message)| Item {
                key,
                signature,
                message,
            })
            .collect();
        invalid(&items)
    }

    #[test]
    fn a_good_batch_holds_and_bad_signatures_are_named() {
        let mut list: Vec<_> = (1..=40).map(signed).collect();
        assert!(check(&list).is_empty());
        list[7].2.push(b'!');
        list[31].1[40] ^= 1;
        let bad = check(&list);
        assert_eq!(bad, vec![7, 31]);
        // Each verdict is ed25519-dalek's strict one.
        for (i, (key, signature, message)) in list.iter().enumerate() {
            let key = ed25519_dalek::VerifyingKey::from_bytes(key).unwrap();
            let signature = ed25519_dalek::Signature::from_bytes(signature);
            assert_eq!(
                key.verify_strict(message, &signature).is_ok(),
                !bad.contains(&i)
            );
        }
    }

    #[test]
    fn small_order_points_and_a_non_canonical_s_are_refused() {
        let mut list: Vec<_> = (1..=4).map(signed).collect();
        let mut identity = [0u8; 32];
        identity[0] = 1;
        list[0].0 = identity;
        list[1].1[..32].copy_from_slice(&identity);
        // S + ℓ: the same scalar, not in canonical form.
        let s = Scalar::from_canonical_bytes(list[2].1[32..].try_into().unwrap()).unwrap();
        let l_plus = {
            let mut out = [0u8; 32];
            let mut carry = 0u16;
            // ℓ = 2^252 + 27742317777372353535851937790883648493, little-endian.
            let mut l = [0u8; 32];
            l[..16].copy_from_slice(&[
                0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9,
                0xde, 0x14,
            ]);
            l[31] = 0x10;
            for i in 0..32 {
                let sum = u16::from(s.as_bytes()[i]) + u16::from(l[i]) + carry;
                out[i] = sum as u8;
                carry = sum >> 8;
            }
            out
        };
        list[2].1[32..].copy_from_slice(&l_plus);
        assert_eq!(check(&list), vec![0, 1, 2]);
    }
}
