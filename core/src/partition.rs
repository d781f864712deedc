//! Kafka's keyed partitioners, bit for bit: the Java client's (murmur2) and librdkafka's
//! default (`consistent_random`, CRC-32), which the seed's confluent-kafka producer uses.
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

/// Which keyed partitioner a producer uses. They place the same key on different
/// partitions (14 of the seed's 16 sellers on 6 partitions), so the browser's and the
/// bridge's predictions must use the producer's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Partitioner {
    /// `toPositive(murmur2(key)) % n`: Kafka's Java client (`BuiltInPartitioner`), Kafka
    /// Streams, librdkafka's `murmur2_random`, hopscope's `produce`.
    #[default]
    Murmur2,
    /// `crc32(key) % n`: librdkafka's default `consistent_random`, hence confluent-kafka
    /// (Python), the Go and .NET clients on their defaults, and the seed's producer.
    /// (Records without a key go to a random partition there; sales always have one.)
    ConsistentRandom,
}

impl Partitioner {
    /// The partition of `key` on a topic of `partitions` partitions (0 if there are none).
    pub fn partition(self, key: &[u8], partitions: u32) -> u32 {
        match self {
            Partitioner::Murmur2 => partition_for_key(key, partitions),
            Partitioner::ConsistentRandom if partitions == 0 => 0,
            Partitioner::ConsistentRandom => crc32(key) % partitions,
        }
    }

    /// librdkafka's name for it (the `partitioner` setting).
    pub fn librdkafka_name(self) -> &'static str {
        match self {
            Partitioner::Murmur2 => "murmur2_random",
            Partitioner::ConsistentRandom => "consistent_random",
        }
    }

    /// `murmur2` or `consistent-random` (also librdkafka's names).
    pub fn parse(text: &str) -> Result<Partitioner, UnknownPartitioner> {
        match text.trim() {
            "murmur2" | "murmur2_random" | "murmur2-random" => Ok(Partitioner::Murmur2),
            "consistent-random" | "consistent_random" | "crc32" => {
                Ok(Partitioner::ConsistentRandom)
            }
            other => Err(UnknownPartitioner(other.to_string())),
        }
    }
}

/// A partitioner name [`Partitioner::parse`] does not know (the name as given).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownPartitioner(pub String);

impl std::fmt::Display for UnknownPartitioner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "unknown partitioner {:?}: use murmur2 (Java clients) or consistent-random (librdkafka's default)",
            self.0
        )
    }
}

impl std::error::Error for UnknownPartitioner {}

/// CRC-32 (IEEE 802.3, reflected, as zlib's `crc32` and librdkafka's `rd_crc32`).
pub fn crc32(data: &[u8]) -> u32 {
    const TABLE: [u32; 256] = {
        let mut t = [0u32; 256];
        let mut i = 0;
        while i < 256 {
            let mut c = i as u32;
            let mut k = 0;
            while k < 8 {
                c = if c & 1 != 0 {
                    0xEDB8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
                k += 1;
            }
            t[i] = c;
            i += 1;
        }
        t
    };
    let mut c = !0u32;
    for &b in data {
        c = TABLE[((c ^ u32::from(b)) & 0xFF) as usize] ^ (c >> 8);
    }
    !c
}

#[cfg(test)]
mod tests_vectors;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_is_zlibs() {
        // The standard check value of CRC-32/IEEE, and zlib.crc32 of the empty input.
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
    }

    /// Python's `zlib.crc32(seller) % 6` (what librdkafka's `rd_crc32` computes) for the
    /// seed's sellers: the two partitioners disagree on 14 of 16.
    #[test]
    fn consistent_random_places_the_seeds_sellers_as_librdkafka_does() {
        let want = [3, 2, 2, 2, 3, 1, 4, 1, 4, 2, 5, 3, 2, 2, 3, 4];
        let sellers = crate::generate::SELLERS;
        let mut differ = 0;
        for (seller, want) in sellers.iter().zip(want) {
            let crc = Partitioner::ConsistentRandom.partition(seller.as_bytes(), 6);
            assert_eq!(crc, want, "{seller}");
            differ += u32::from(crc != Partitioner::Murmur2.partition(seller.as_bytes(), 6));
        }
        assert_eq!(differ, 14);
        assert_eq!(
            Partitioner::parse("consistent-random"),
            Ok(Partitioner::ConsistentRandom)
        );
        assert!(Partitioner::parse("round-robin").is_err());
    }

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
