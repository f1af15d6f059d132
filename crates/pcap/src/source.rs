//! The byte source handed to pcap-parser: replays the file header already read, then reads
//! from the caller's reader, keeping any I/O error so it can be reported in full.

use std::io::{self, Read};
use std::sync::{Arc, Mutex, PoisonError};

/// Shared place where [`Source`] leaves the last I/O error of the wrapped reader.
///
/// pcap-parser reduces read failures to a bare `ReadError`; this keeps the original error.
#[derive(Debug, Clone, Default)]
pub(crate) struct ErrorSlot(Arc<Mutex<Option<io::Error>>>);

impl ErrorSlot {
    fn put(&self, error: io::Error) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Some(error);
    }

    /// Takes the stored error, if any.
    pub(crate) fn take(&self) -> Option<io::Error> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).take()
    }
}

/// A reader that first yields `prefix`, then the bytes of `inner`.
pub(crate) struct Source<R> {
    prefix: Vec<u8>,
    position: usize,
    inner: R,
    errors: ErrorSlot,
}

impl<R: Read> Source<R> {
    /// Wraps `inner`, replaying `prefix` first; I/O errors of `inner` are left in `errors`.
    pub(crate) fn new(prefix: Vec<u8>, inner: R, errors: ErrorSlot) -> Self {
        Source {
            prefix,
            position: 0,
            inner,
            errors,
        }
    }
}

impl<R: Read> Read for Source<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let rest = self.prefix.get(self.position..).unwrap_or_default();
        if !rest.is_empty() {
            let n = rest.len().min(buf.len());
            buf[..n].copy_from_slice(&rest[..n]);
            self.position += n;
            if self.position >= self.prefix.len() {
                // Release the header copy once it has been handed over.
                self.prefix = Vec::new();
                self.position = 0;
            }
            return Ok(n);
        }
        loop {
            match self.inner.read(buf) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    let summary = io::Error::new(e.kind(), e.to_string());
                    self.errors.put(e);
                    return Err(summary);
                }
                Ok(n) => return Ok(n),
            }
        }
    }
}

/// Reads until `buf` is full or the reader is exhausted; returns the number of bytes read, or
/// the bytes read before the failure together with the error.
pub(crate) fn read_full<R: Read>(
    reader: &mut R,
    buf: &mut [u8],
) -> Result<usize, (usize, io::Error)> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            // A misbehaving reader may claim more than it was offered.
            Ok(n) => filled += n.min(buf.len() - filled),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err((filled, e)),
        }
    }
    Ok(filled)
}

/// Appends up to `len` bytes of `reader` to `out`, growing `out` only as data arrives.
pub(crate) fn read_exact_or_eof<R: Read>(
    reader: &mut R,
    len: usize,
    out: &mut Vec<u8>,
) -> Result<(), (usize, io::Error)> {
    const CHUNK: usize = 64 * 1024;
    let start = out.len();
    while out.len() - start < len {
        let want = (len - (out.len() - start)).min(CHUNK);
        let old = out.len();
        out.resize(old + want, 0);
        match read_full(reader, &mut out[old..]) {
            Ok(n) => {
                out.truncate(old + n);
                if n < want {
                    break;
                }
            }
            Err((n, e)) => {
                out.truncate(old + n);
                return Err((out.len() - start, e));
            }
        }
    }
    Ok(())
}
