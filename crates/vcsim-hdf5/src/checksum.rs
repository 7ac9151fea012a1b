//! A 64-bit checksum of byte streams, for checkpoint contents.
//!
//! Not cryptographic: it finds damage (flipped bits, truncation, a value
//! changed by hand without recomputing it), not forgery. Eight bytes at a time,
//! each word mixed by a multiply and a shift, the length folded in at the end.

/// A running checksum; feed it with [`Checksum::bytes`], read it with [`Checksum::value`].
#[derive(Debug, Clone)]
pub struct Checksum {
    state: u64,
    len: u64,
    tail: [u8; 8],
    tail_len: usize,
}

const MUL: u64 = 0x9E37_79B9_7F4A_7C15;

fn mix(state: u64, word: u64) -> u64 {
    let h = (state ^ word).wrapping_mul(MUL);
    h ^ (h >> 29)
}

impl Default for Checksum {
    fn default() -> Self {
        Self {
            state: 0x6A09_E667_F3BC_C908,
            len: 0,
            tail: [0; 8],
            tail_len: 0,
        }
    }
}

impl Checksum {
    /// Adds bytes.
    pub fn bytes(&mut self, mut data: &[u8]) {
        self.len = self.len.wrapping_add(data.len() as u64);
        if self.tail_len > 0 {
            let take = (8 - self.tail_len).min(data.len());
            self.tail[self.tail_len..self.tail_len + take].copy_from_slice(&data[..take]);
            self.tail_len += take;
            data = &data[take..];
            if self.tail_len < 8 {
                return;
            }
            self.state = mix(self.state, u64::from_le_bytes(self.tail));
            self.tail_len = 0;
        }
        let mut words = data.chunks_exact(8);
        for w in &mut words {
            let mut b = [0u8; 8];
            b.copy_from_slice(w);
            self.state = mix(self.state, u64::from_le_bytes(b));
        }
        let rest = words.remainder();
        self.tail[..rest.len()].copy_from_slice(rest);
        self.tail_len = rest.len();
    }

    /// Adds a string and a separator, so that ("ab", "c") and ("a", "bc") differ.
    pub fn text(&mut self, s: &str) {
        self.bytes(&(s.len() as u64).to_le_bytes());
        self.bytes(s.as_bytes());
    }

    /// The checksum of everything added so far.
    pub fn value(&self) -> u64 {
        let mut tail = [0u8; 8];
        tail[..self.tail_len].copy_from_slice(&self.tail[..self.tail_len]);
        let h = mix(self.state, u64::from_le_bytes(tail));
        let h = mix(h, self.len);
        mix(h, MUL)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_flipped_bit_or_a_split_changes_the_checksum() {
        let data: Vec<u8> = (0..1000u32).map(|i| (i * 7) as u8).collect();
        let mut a = Checksum::default();
        a.bytes(&data);
        let mut pieces = Checksum::default();
        for c in data.chunks(3) {
            pieces.bytes(c);
        }
        assert_eq!(a.value(), pieces.value(), "feeding in pieces is the same");
        for i in [0, 1, 500, 999] {
            for bit in 0..8 {
                let mut d = data.clone();
                d[i] ^= 1 << bit;
                let mut b = Checksum::default();
                b.bytes(&d);
                assert_ne!(a.value(), b.value(), "byte {i} bit {bit}");
            }
        }
        let mut c = Checksum::default();
        c.bytes(&data[..999]);
        assert_ne!(a.value(), c.value(), "truncation");
        let (mut x, mut y) = (Checksum::default(), Checksum::default());
        x.text("ab");
        x.text("c");
        y.text("a");
        y.text("bc");
        assert_ne!(x.value(), y.value());
    }
}
