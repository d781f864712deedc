//! Kafka's default keyed partitioner, bit for bit.
//!
//! Java's `BuiltInPartitioner.partitionForKey` is
//! `Utils.toPositive(Utils.murmur2(keyBytes)) % numPartitions`; librdkafka's
//! `murmur2_random` partitioner is the same function. Core computes it so the browser can
//! show which partition a seller's sales land in without a broker, and the bridge checks
//! that prediction against a real one.

/// Kafka's `Utils.murmur2`: MurmurHash2, 32-bit, seed `0x9747b28c`, as a signed Java int.
pub fn murmur2(data: &[u8]) -> i32 {
    const SEED: u32 = 0x9747_b28c;
    const M: u32 = 0x5bd1_e995;
    const R: u32 = 24;
    let mut h: u32 = SEED ^ data.len() as u32;
    let mut chunks = data.chunks_exact(4);
    for c in &mut chunks {
        let mut k = u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h = h.wrapping_mul(M);
        h ^= k;
    }
    let tail = chunks.remainder();
    if tail.len() >= 3 {
        h ^= u32::from(tail[2]) << 16;
    }
    if tail.len() >= 2 {
        h ^= u32::from(tail[1]) << 8;
    }
    if !tail.is_empty() {
        h ^= u32::from(tail[0]);
        h = h.wrapping_mul(M);
    }
    h ^= h >> 13;
    h = h.wrapping_mul(M);
    h ^= h >> 15;
    h as i32
}

/// Kafka's `Utils.toPositive`: clears the sign bit (not `abs`, which overflows on MIN).
pub fn to_positive(n: i32) -> i32 {
    n & 0x7fff_ffff
}

/// The partition Kafka's Java client (and librdkafka's `murmur2_random`) picks for a key.
///
/// # Panics
/// Never: `partitions == 0` returns 0, as there is no partition to pick.
pub fn partition_for_key(key: &[u8], partitions: u32) -> u32 {
    if partitions == 0 {
        return 0;
    }
    (to_positive(murmur2(key)) as u32) % partitions
}

#[cfg(test)]
mod tests_vectors;

#[cfg(test)]
mod tests {
    use super::*;

    /// The vectors of Kafka's own `UtilsTest.testMurmur2` (clients module).
    #[test]
    fn matches_kafka_utils_test_vectors() {
        let cases: &[(&[u8], i32)] = &[
            (b"21", -973_932_308),
            (b"foobar", -790_332_482),
            (b"a-little-bit-long-string", -985_981_536),
            (b"a-little-bit-longer-string", -1_486_304_829),
            (
                b"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8",
                -58_897_971,
            ),
            (b"abc", 479_470_107),
        ];
        for (key, want) in cases {
            assert_eq!(murmur2(key), *want, "{}", String::from_utf8_lossy(key));
        }
    }

    /// Computed with `org.apache.kafka.common.utils.Utils` from kafka-clients 4.1.1
    /// (see `scripts/kafka-murmur2-vectors.java`): empty input, every tail length, and
    /// multi-byte UTF-8, which Java hashes as its UTF-8 bytes.
    #[test]
    fn matches_kafka_clients_on_tails_and_non_ascii() {
        for (key, hash, partition6) in crate::partition::tests_vectors::VECTORS {
            assert_eq!(murmur2(key.as_bytes()), *hash, "murmur2({key:?})");
            assert_eq!(
                partition_for_key(key.as_bytes(), 6),
                *partition6,
                "partition({key:?})"
            );
        }
    }

    #[test]
    fn to_positive_clears_only_the_sign_bit() {
        assert_eq!(to_positive(i32::MIN), 0);
        assert_eq!(to_positive(-1), i32::MAX);
        assert_eq!(to_positive(42), 42);
        assert_eq!(partition_for_key(b"x", 0), 0);
    }
}
