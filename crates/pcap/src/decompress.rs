//! Compressed captures: a gzip stream (`.pcap.gz`, `.pcapng.gz`), recognised by its magic
//! number `1f 8b` rather than by a file name, is decompressed as it is read.
//!
//! The decoder streams (flate2's pure-Rust backend): its memory is a 32 KiB input buffer and
//! the inflate state with its 32 KiB window, whatever the size of the file. Concatenated gzip
//! members (`cat a.gz b.gz`) read as one stream, as `gzip -d` reads them. An uncompressed
//! input passes through untouched, with only the two sniffed bytes replayed.

use std::io::{self, Read};

use flate2::read::MultiGzDecoder;

use crate::source::read_full;

/// The magic number of a gzip member (RFC 1952).
const GZIP_MAGIC: [u8; 2] = [0x1F, 0x8B];

/// How the capture inside an input is compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Compression {
    /// Not compressed: the capture file itself.
    None,
    /// gzip (RFC 1952), one member or several concatenated.
    Gzip,
}

/// A reader that replays the bytes sniffed from `inner`, then reads on from it.
#[derive(Debug)]
pub struct Sniffed<R> {
    head: [u8; GZIP_MAGIC.len()],
    head_len: usize,
    position: usize,
    inner: R,
}

impl<R: Read> Read for Sniffed<R> {
    #[inline]
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.position < self.head_len {
            let rest = &self.head[self.position..self.head_len];
            let n = rest.len().min(buf.len());
            buf[..n].copy_from_slice(&rest[..n]);
            self.position += n;
            return Ok(n);
        }
        self.inner.read(buf)
    }
}

enum Kind<R: Read> {
    Plain(Sniffed<R>),
    // Boxed: the decoder's state is a few hundred bytes beside its heap buffers.
    Gzip(Box<MultiGzDecoder<Sniffed<R>>>),
}

/// An input whose first bytes were sniffed: reads the capture inside it, decompressing a gzip
/// stream as it goes. Hand it to [`CaptureReader`](crate::CaptureReader) like any reader
/// (or use [`CaptureReader::open`](crate::CaptureReader::open), which does for a file).
///
/// ```
/// use std::io::Write;
/// use swyx_pcap::{CaptureReader, Compression, Decompressed};
///
/// // An empty little-endian pcap file (header only), gzip-compressed.
/// let mut pcap = Vec::new();
/// for field in [0xa1b2_c3d4u32, 0x0004_0002, 0, 0, 65_535, 1] {
///     pcap.extend_from_slice(&field.to_le_bytes());
/// }
/// let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
/// gz.write_all(&pcap)?;
/// let gz = gz.finish()?;
///
/// let input = Decompressed::new(gz.as_slice())?;
/// assert_eq!(input.compression(), Compression::Gzip);
/// let mut reader = CaptureReader::new(input)?;
/// assert!(reader.next_record()?.is_none());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Decompressed<R: Read> {
    kind: Kind<R>,
}

impl<R: Read> std::fmt::Debug for Decompressed<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Decompressed")
            .field("compression", &self.compression())
            .finish_non_exhaustive()
    }
}

impl<R: Read> Decompressed<R> {
    /// Reads the first two bytes of `inner` (fewer if it ends sooner) to tell whether it is
    /// gzip-compressed.
    ///
    /// # Errors
    ///
    /// The error of `inner` if reading those bytes fails.
    pub fn new(mut inner: R) -> io::Result<Self> {
        let mut head = [0u8; GZIP_MAGIC.len()];
        let head_len = read_full(&mut inner, &mut head).map_err(|(_, e)| e)?;
        let sniffed = Sniffed {
            head,
            head_len,
            position: 0,
            inner,
        };
        let kind = if head_len == GZIP_MAGIC.len() && head == GZIP_MAGIC {
            Kind::Gzip(Box::new(MultiGzDecoder::new(sniffed)))
        } else {
            Kind::Plain(sniffed)
        };
        Ok(Decompressed { kind })
    }

    /// How the input is compressed.
    pub fn compression(&self) -> Compression {
        match self.kind {
            Kind::Plain(_) => Compression::None,
            Kind::Gzip(_) => Compression::Gzip,
        }
    }
}

impl<R: Read> Read for Decompressed<R> {
    #[inline]
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match &mut self.kind {
            Kind::Plain(inner) => inner.read(buf),
            Kind::Gzip(decoder) => decoder.read(buf),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(data).unwrap();
        encoder.finish().unwrap()
    }

    fn read_all(input: &[u8]) -> (Compression, io::Result<Vec<u8>>) {
        let mut decompressed = Decompressed::new(input).unwrap();
        let mut out = Vec::new();
        let result = decompressed.read_to_end(&mut out).map(|_| out);
        (decompressed.compression(), result)
    }

    #[test]
    fn plain_input_passes_through_whole() {
        for input in [
            &b""[..],
            b"\x1f",
            b"\x1f\x8a rest",
            b"\xd4\xc3\xb2\xa1 and more",
        ] {
            let (compression, out) = read_all(input);
            assert_eq!(compression, Compression::None);
            assert_eq!(out.unwrap(), input);
        }
    }

    #[test]
    fn gzip_members_are_decompressed_one_after_the_other() {
        let mut input = gzip(b"first member, ");
        input.extend(gzip(b"second member"));
        let (compression, out) = read_all(&input);
        assert_eq!(compression, Compression::Gzip);
        assert_eq!(out.unwrap(), b"first member, second member");
    }

    #[test]
    fn damaged_gzip_is_an_error() {
        let input = gzip(&[7u8; 10_000]);
        let (_, cut) = read_all(&input[..input.len() - 6]);
        assert!(cut.is_err(), "a stream cut before its trailer");
        let mut corrupt = input.clone();
        let last = corrupt.len() - 1;
        corrupt[last] ^= 0xFF; // the trailer's length no longer matches
        assert!(read_all(&corrupt).1.is_err());
    }
}
