//! A small, strict reader of tar headers over a byte stream: ustar, GNU (`L`/`K` long names,
//! base-256 sizes) and PAX (`x` records for `path`, `linkpath` and `size`; `g` ignored).
//!
//! It never buffers entry data: the caller reads the current entry's data with
//! [`TarReader::read_data`] or leaves it, and it is skipped (read and discarded for a stream,
//! seeked over for a file) before the next header. Every header's checksum is verified, so
//! input that is not a tar archive fails on its first block.

use std::io::{self, BufReader, Read, Seek};

/// Size of a tar block.
const BLOCK: u64 = 512;
/// Longest GNU long name or link name accepted.
const MAX_LONG_NAME: u64 = 64 * 1024;
/// Largest PAX extended header accepted.
const MAX_PAX: u64 = 1024 * 1024;

/// What an entry is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    /// A regular file (also contiguous files).
    File,
    /// A directory.
    Dir,
    /// A symbolic link; the target is in [`Entry::link`].
    Symlink,
    /// A hard link to an earlier entry named in [`Entry::link`].
    Hardlink,
    /// Devices, FIFOs, sparse files and the rest: replace what was there, hold nothing.
    Other,
}

/// One entry's header, after long names and PAX records are applied.
#[derive(Debug)]
pub(super) struct Entry {
    /// Its name, as written (not normalised).
    pub path: String,
    /// The link target of a symbolic or hard link.
    pub link: String,
    /// Its type.
    pub kind: Kind,
    /// Bytes of data that follow the header.
    pub size: u64,
    /// Position of its data in the stream, from the start of the archive.
    pub data_offset: u64,
}

/// Why an archive could not be read.
#[derive(Debug)]
pub(super) enum TarError {
    /// The underlying reader failed (or was cut short).
    Io(io::Error),
    /// The bytes are not a valid tar archive.
    Format(String),
}

impl From<io::Error> for TarError {
    fn from(e: io::Error) -> Self {
        TarError::Io(e)
    }
}

/// A byte source that can pass over data it does not need.
pub(super) trait Source: Read {
    /// Moves `n` bytes forward.
    fn skip(&mut self, n: u64) -> io::Result<()>;
}

/// A stream that skips by reading and discarding (so that every byte is seen, e.g. hashed).
pub(super) struct Streamed<R> {
    inner: R,
    scratch: Vec<u8>,
}

impl<R: Read> Streamed<R> {
    pub(super) fn new(inner: R) -> Self {
        Streamed {
            inner,
            scratch: vec![0; 64 * 1024],
        }
    }

    /// Reads and discards everything left, returning how many bytes that was.
    pub(super) fn drain(&mut self) -> io::Result<u64> {
        let mut total = 0u64;
        loop {
            match self.inner.read(&mut self.scratch) {
                Ok(0) => return Ok(total),
                Ok(n) => total = total.saturating_add(n as u64),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }
}

impl<R: Read> Read for Streamed<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf)
    }
}

impl<R: Read> Source for Streamed<R> {
    fn skip(&mut self, mut n: u64) -> io::Result<()> {
        while n > 0 {
            let want = usize::try_from(n.min(self.scratch.len() as u64)).unwrap_or(0);
            let Some(buf) = self.scratch.get_mut(..want) else {
                return Err(io::Error::other("skip buffer"));
            };
            match self.inner.read(buf) {
                Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
                Ok(got) => n -= got as u64,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}

/// A buffered file that skips by seeking (the caller checks entries against the file length).
pub(super) struct Seeking<R>(pub BufReader<R>);

impl<R: Read> Read for Seeking<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf)
    }
}

impl<R: Read + Seek> Source for Seeking<R> {
    fn skip(&mut self, n: u64) -> io::Result<()> {
        let n = i64::try_from(n).map_err(|_| io::Error::other("entry too large to skip"))?;
        self.0.seek_relative(n)
    }
}

/// Reads headers one after another.
pub(super) struct TarReader<S> {
    inner: S,
    /// Bytes consumed from the start of the archive.
    pos: u64,
    /// Data of the current entry not yet read.
    data_left: u64,
    /// Padding after the current entry's data.
    padding: u64,
    /// Headers read so far, including long-name and PAX headers.
    headers: u64,
    finished: bool,
}

impl<S: Source> TarReader<S> {
    /// Starts at the beginning of an archive.
    pub(super) fn new(inner: S) -> Self {
        TarReader {
            inner,
            pos: 0,
            data_left: 0,
            padding: 0,
            headers: 0,
            finished: false,
        }
    }

    /// Headers read so far (every header counts, also long-name and PAX ones).
    pub(super) fn headers(&self) -> u64 {
        self.headers
    }

    /// The source, positioned after the last thing read.
    pub(super) fn into_inner(self) -> S {
        self.inner
    }

    /// The next entry, or `None` at the end-of-archive block or a clean end of input.
    pub(super) fn next_entry(&mut self) -> Result<Option<Entry>, TarError> {
        let mut long_name: Option<String> = None;
        let mut long_link: Option<String> = None;
        let mut pax_path: Option<String> = None;
        let mut pax_link: Option<String> = None;
        let mut pax_size: Option<u64> = None;
        loop {
            if self.finished {
                return Ok(None);
            }
            self.skip_rest()?;
            let mut block = [0u8; BLOCK as usize];
            if !read_block(&mut self.inner, &mut block)? {
                self.finished = true;
                return Ok(None);
            }
            let header_at = self.pos;
            self.pos += BLOCK;
            self.headers += 1;
            if block.iter().all(|b| *b == 0) {
                self.finished = true;
                return Ok(None);
            }
            verify_checksum(&block, header_at)?;
            let mut size = numeric(&block[124..136]).ok_or_else(|| {
                TarError::Format(format!(
                    "bad size field in the header at offset {header_at}"
                ))
            })?;
            let flag = block[156];
            match flag {
                b'L' | b'K' | b'x' | b'g' => {
                    let max = if flag == b'x' || flag == b'g' {
                        MAX_PAX
                    } else {
                        MAX_LONG_NAME
                    };
                    self.start_data(size, header_at)?;
                    if size > max {
                        return Err(TarError::Format(format!(
                            "extended header at offset {header_at} is {size} bytes, more than {max}"
                        )));
                    }
                    let data = self.read_data_inner(size)?;
                    match flag {
                        b'L' => long_name = Some(c_string(&data)),
                        b'K' => long_link = Some(c_string(&data)),
                        b'x' => {
                            for (key, value) in pax_records(&data, header_at)? {
                                match key.as_str() {
                                    "path" => pax_path = Some(value),
                                    "linkpath" => pax_link = Some(value),
                                    "size" => {
                                        pax_size = Some(value.parse().map_err(|_| {
                                            TarError::Format(format!(
                                                "bad PAX size `{value}` at offset {header_at}"
                                            ))
                                        })?)
                                    }
                                    _ => {}
                                }
                            }
                        }
                        _ => {}
                    }
                    continue;
                }
                _ => {}
            }
            if let Some(s) = pax_size {
                size = s;
            }
            let ustar = block[257..263] == *b"ustar\0";
            let path = match long_name.take().or(pax_path.take()) {
                Some(p) => p,
                None => {
                    let name = c_string(&block[0..100]);
                    let prefix = if ustar {
                        c_string(&block[345..500])
                    } else {
                        String::new()
                    };
                    if prefix.is_empty() {
                        name
                    } else {
                        format!("{prefix}/{name}")
                    }
                }
            };
            let link = long_link
                .take()
                .or(pax_link.take())
                .unwrap_or_else(|| c_string(&block[157..257]));
            let kind = match flag {
                b'0' | b'\0' | b'7' => Kind::File,
                b'1' => Kind::Hardlink,
                b'2' => Kind::Symlink,
                b'5' => Kind::Dir,
                _ => Kind::Other,
            };
            // Old tars mark directories only by a trailing slash.
            let kind = if kind == Kind::File && path.ends_with('/') {
                Kind::Dir
            } else {
                kind
            };
            // Links and directories carry no data, whatever their size field says.
            let size = if matches!(kind, Kind::Hardlink | Kind::Symlink | Kind::Dir) {
                0
            } else {
                size
            };
            self.start_data(size, header_at)?;
            return Ok(Some(Entry {
                path,
                link,
                kind,
                size,
                data_offset: self.pos,
            }));
        }
    }

    /// Reads the current entry's data, which the caller has checked is small enough to hold.
    pub(super) fn read_data(&mut self) -> Result<Vec<u8>, TarError> {
        let n = self.data_left;
        self.read_data_inner(n)
    }

    fn start_data(&mut self, size: u64, header_at: u64) -> Result<(), TarError> {
        let padded = size
            .checked_add(BLOCK - 1)
            .map(|s| s / BLOCK * BLOCK)
            .ok_or_else(|| {
                TarError::Format(format!("entry size overflows at offset {header_at}"))
            })?;
        self.data_left = size;
        self.padding = padded - size;
        Ok(())
    }

    fn read_data_inner(&mut self, n: u64) -> Result<Vec<u8>, TarError> {
        let want = usize::try_from(n).map_err(|_| TarError::Format("entry too large".into()))?;
        let mut data = Vec::new();
        data.try_reserve_exact(want)
            .map_err(|_| TarError::Format(format!("cannot hold an entry of {n} bytes")))?;
        (&mut self.inner).take(n).read_to_end(&mut data)?;
        if (data.len() as u64) < n {
            return Err(TarError::Io(io::ErrorKind::UnexpectedEof.into()));
        }
        self.data_left -= n;
        self.pos += n;
        Ok(data)
    }

    /// Passes over what is left of the current entry's data and padding.
    fn skip_rest(&mut self) -> Result<(), TarError> {
        let n = self.data_left + self.padding;
        if n > 0 {
            self.inner.skip(n)?;
            self.pos += n;
            self.data_left = 0;
            self.padding = 0;
        }
        Ok(())
    }
}

/// Fills a block; `false` at a clean end of input before its first byte.
fn read_block<R: Read>(r: &mut R, block: &mut [u8; BLOCK as usize]) -> Result<bool, TarError> {
    let mut filled = 0;
    while filled < block.len() {
        let Some(rest) = block.get_mut(filled..) else {
            break;
        };
        match r.read(rest) {
            Ok(0) if filled == 0 => return Ok(false),
            Ok(0) => {
                return Err(TarError::Format(
                    "archive ends in the middle of a header".into(),
                ));
            }
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(TarError::Io(e)),
        }
    }
    Ok(true)
}

fn verify_checksum(block: &[u8; BLOCK as usize], at: u64) -> Result<(), TarError> {
    let stored = octal(&block[148..156]);
    let mut unsigned: u64 = 0;
    let mut signed: i64 = 0;
    for (i, b) in block.iter().enumerate() {
        let b = if (148..156).contains(&i) { b' ' } else { *b };
        unsigned += u64::from(b);
        signed += i64::from(b as i8);
    }
    let ok = stored.is_some_and(|s| s == unsigned || i64::try_from(s).is_ok_and(|s| s == signed));
    if ok {
        Ok(())
    } else {
        Err(TarError::Format(format!(
            "bad header checksum at offset {at} (not a tar archive, or a corrupt one)"
        )))
    }
}

/// A numeric header field: octal text, or GNU base-256 when the high bit is set.
fn numeric(field: &[u8]) -> Option<u64> {
    match field.first() {
        Some(first) if first & 0x80 != 0 => {
            if *first == 0xff {
                return None; // negative
            }
            let mut value = u64::from(first & 0x7f);
            for b in field.iter().skip(1) {
                value = value.checked_mul(256)?.checked_add(u64::from(*b))?;
            }
            Some(value)
        }
        _ => octal(field),
    }
}

/// Octal text, with leading spaces and a space or NUL terminator; empty means 0.
fn octal(field: &[u8]) -> Option<u64> {
    let mut value: u64 = 0;
    let mut digits = field.iter().skip_while(|b| **b == b' ').peekable();
    while let Some(b) = digits.next() {
        match b {
            b'0'..=b'7' => value = value.checked_mul(8)?.checked_add(u64::from(b - b'0'))?,
            b' ' | b'\0' => {
                // Only terminators may follow.
                return digits.all(|b| *b == b' ' || *b == b'\0').then_some(value);
            }
            _ => return None,
        }
    }
    Some(value)
}

/// Text up to the first NUL (lossy UTF-8: names are only compared, never used on the host).
fn c_string(bytes: &[u8]) -> String {
    let end = bytes.iter().position(|b| *b == 0).unwrap_or(bytes.len());
    String::from_utf8_lossy(bytes.get(..end).unwrap_or_default()).into_owned()
}

/// PAX records: `<length> <key>=<value>\n`, the length counting the whole record.
fn pax_records(data: &[u8], at: u64) -> Result<Vec<(String, String)>, TarError> {
    let bad = || TarError::Format(format!("malformed PAX header at offset {at}"));
    let mut records = Vec::new();
    let mut rest = data;
    while !rest.is_empty() {
        if rest.iter().all(|b| *b == 0) {
            break;
        }
        let space = rest.iter().position(|b| *b == b' ').ok_or_else(bad)?;
        let len: usize = std::str::from_utf8(rest.get(..space).ok_or_else(bad)?)
            .ok()
            .and_then(|s| s.parse().ok())
            .ok_or_else(bad)?;
        let record = rest.get(..len).ok_or_else(bad)?;
        let body = record
            .get(space + 1..)
            .and_then(|b| b.strip_suffix(b"\n"))
            .ok_or_else(bad)?;
        let eq = body.iter().position(|b| *b == b'=').ok_or_else(bad)?;
        let key = String::from_utf8_lossy(body.get(..eq).ok_or_else(bad)?).into_owned();
        let value = String::from_utf8_lossy(body.get(eq + 1..).ok_or_else(bad)?).into_owned();
        records.push((key, value));
        rest = rest.get(len..).ok_or_else(bad)?;
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(name: &str, flag: u8, size: u64) -> [u8; 512] {
        let mut h = [0u8; 512];
        h[..name.len()].copy_from_slice(name.as_bytes());
        h[100..107].copy_from_slice(b"0000644");
        let s = format!("{size:011o}");
        h[124..135].copy_from_slice(s.as_bytes());
        h[156] = flag;
        h[257..263].copy_from_slice(b"ustar\0");
        h[263..265].copy_from_slice(b"00");
        h[148..156].copy_from_slice(b"        ");
        let sum: u32 = h.iter().map(|b| u32::from(*b)).sum();
        h[148..155].copy_from_slice(format!("{sum:06o}\0").as_bytes());
        h
    }

    fn entry(out: &mut Vec<u8>, name: &str, flag: u8, data: &[u8]) {
        out.extend_from_slice(&header(name, flag, data.len() as u64));
        out.extend_from_slice(data);
        out.resize(out.len().div_ceil(512) * 512, 0);
    }

    fn read_all(bytes: &[u8]) -> Result<Vec<(String, Kind, Vec<u8>)>, TarError> {
        let mut tar = TarReader::new(Streamed::new(bytes));
        let mut out = Vec::new();
        while let Some(e) = tar.next_entry()? {
            let data = tar.read_data()?;
            out.push((e.path, e.kind, data));
        }
        Ok(out)
    }

    #[test]
    fn reads_ustar_gnu_long_names_and_pax_paths() {
        let mut tar = Vec::new();
        entry(&mut tar, "a.txt", b'0', b"hello");
        let long = "d/".repeat(80) + "long.txt";
        entry(
            &mut tar,
            "././@LongLink",
            b'L',
            format!("{long}\0").as_bytes(),
        );
        entry(&mut tar, "ignored", b'0', b"x");
        let record = "path=pax/name.txt\n";
        let rec = format!("{} {record}", record.len() + 3);
        entry(&mut tar, "PaxHeader", b'x', rec.as_bytes());
        entry(&mut tar, "short", b'0', b"y");
        entry(&mut tar, "dir/", b'5', b"");
        tar.extend_from_slice(&[0; 1024]);
        let got = read_all(&tar).unwrap_or_else(|e| panic!("{e:?}"));
        let names: Vec<_> = got.iter().map(|(p, k, _)| (p.as_str(), *k)).collect();
        assert_eq!(
            names,
            [
                ("a.txt", Kind::File),
                (long.as_str(), Kind::File),
                ("pax/name.txt", Kind::File),
                ("dir/", Kind::Dir)
            ]
        );
        assert_eq!(got[0].2, b"hello");
    }

    #[test]
    fn rejects_bad_checksums_truncation_and_hostile_sizes() {
        let mut tar = Vec::new();
        entry(&mut tar, "a.txt", b'0', b"hello");
        let mut bad = tar.clone();
        bad[0] = b'b';
        assert!(matches!(read_all(&bad), Err(TarError::Format(m)) if m.contains("checksum")));
        assert!(read_all(&tar[..300]).is_err());
        assert!(read_all(&tar[..515]).is_err());
        // A PAX header claiming more than the limit.
        let mut huge = Vec::new();
        huge.extend_from_slice(&header("PaxHeader", b'x', MAX_PAX + 1));
        assert!(matches!(read_all(&huge), Err(TarError::Format(_))));
        // A PAX record whose length runs past the data.
        let mut lying = Vec::new();
        entry(&mut lying, "PaxHeader", b'x', b"99 path=x\n");
        assert!(matches!(read_all(&lying), Err(TarError::Format(_))));
    }

    #[test]
    fn numeric_fields() {
        assert_eq!(octal(b"0000644\0"), Some(0o644));
        assert_eq!(octal(b"   12 \0"), Some(0o12));
        assert_eq!(octal(b"\0\0\0"), Some(0));
        assert_eq!(octal(b"12x"), None);
        assert_eq!(octal(b"777777777777777777777777"), None);
        assert_eq!(
            numeric(&[0x80, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0]),
            Some(1 << 16)
        );
        assert_eq!(numeric(&[0xff; 12]), None);
        assert_eq!(numeric(&[0x81; 12]), None);
    }
}
