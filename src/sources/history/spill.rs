//! Append-only columns of plain values (decoded tree entries, trees' chunk lists) kept in
//! memory, or, when a history's state would not fit `--history-memory`, in a temporary file.
//!
//! A spilled column is written as it grows and, once sealed, read back through a read-only
//! mapping whose pages are handed back to the kernel (`MADV_DONTNEED`) every so many bytes
//! read, as the traversal does with a pack ([`super::packs::MappedPack`]): the process keeps
//! about that many of its pages, the kernel's page cache the rest (or the disk, under
//! pressure). The file is unlinked as soon as it is created, so it is gone on every exit
//! path (an error, a panic, a signal) once its descriptor closes. It holds tree entries
//! (numbered names and objects) and chunk numbers, never a blob's content.

use super::packs::FAULT_AROUND_BYTES;
use std::{
    fs::File,
    io::{self, BufWriter, Write},
    marker::PhantomData,
    path::{Path, PathBuf},
    sync::atomic::{AtomicU64, Ordering},
};

/// A value stored as its bytes: `Copy`, no padding, any bit pattern valid.
///
/// # Safety
/// Implementors must be `repr(C)` or primitive, without padding bytes, and valid for every
/// bit pattern, so that their bytes can be written to a file and read back as they are.
pub(crate) unsafe trait Plain: Copy + 'static {}

// SAFETY: a primitive integer: no padding, every bit pattern valid.
unsafe impl Plain for u32 {}

/// Where a spilled column goes: a directory for temporary files (`$TMPDIR` unless set), and
/// how many bytes read back between two releases of its pages.
#[derive(Debug, Clone)]
pub(crate) struct SpillTo {
    pub(crate) dir: PathBuf,
    pub(crate) release_every_bytes: u64,
}

/// A column being written.
pub(crate) enum Column<T: Plain> {
    Memory(Vec<T>),
    File(FileColumn<T>),
}

/// A column written to an unlinked temporary file.
pub(crate) struct FileColumn<T> {
    writer: BufWriter<File>,
    /// Values written (or buffered) so far.
    len: u64,
    /// The first write that failed: the column is unusable, said when it is sealed.
    failed: Option<io::Error>,
    release_every_bytes: u64,
    kind: PhantomData<T>,
}

/// Each a unique name among the files this process creates.
static CREATED: AtomicU64 = AtomicU64::new(0);

/// A new, already unlinked, file in `dir`.
fn unlinked_file(dir: &Path) -> io::Result<File> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let name = format!(
        "keyhound-history-{}-{}-{nanos}",
        std::process::id(),
        CREATED.fetch_add(1, Ordering::Relaxed)
    );
    let path = dir.join(name);
    let file = std::fs::OpenOptions::new().read(true).write(true).create_new(true).open(&path)?;
    // Unlinked at once: nothing is left behind whatever ends the process. A file that cannot
    // be unlinked is not used.
    std::fs::remove_file(&path)?;
    Ok(file)
}

impl<T: Plain> Column<T> {
    pub(crate) fn in_memory() -> Column<T> {
        Column::Memory(Vec::new())
    }

    /// A column in a temporary file in `to.dir`; `Err` if none can be made there.
    pub(crate) fn in_file(to: &SpillTo) -> io::Result<Column<T>> {
        let file = unlinked_file(&to.dir)?;
        Ok(Column::File(FileColumn {
            writer: BufWriter::with_capacity(256 << 10, file),
            len: 0,
            failed: None,
            release_every_bytes: to.release_every_bytes.max(1),
            kind: PhantomData,
        }))
    }

    pub(crate) fn len(&self) -> u64 {
        match self {
            Column::Memory(values) => values.len() as u64,
            Column::File(file) => file.len,
        }
    }

    /// Appends `values`; returns the position of the first.
    pub(crate) fn append(&mut self, values: &[T]) -> u64 {
        let start = self.len();
        match self {
            Column::Memory(column) => column.extend_from_slice(values),
            Column::File(file) => {
                file.len += values.len() as u64;
                if file.failed.is_none() {
                    if let Err(err) = file.writer.write_all(as_bytes(values)) {
                        file.failed = Some(err);
                    }
                }
            }
        }
        start
    }

    /// The column, to read; `Err` if writing its file failed.
    pub(crate) fn seal(self) -> io::Result<Sealed<T>> {
        match self {
            Column::Memory(mut values) => {
                values.shrink_to_fit();
                Ok(Sealed::Memory(values))
            }
            Column::File(FileColumn { writer, len, failed, release_every_bytes, .. }) => {
                if let Some(err) = failed {
                    return Err(err);
                }
                let file = writer.into_inner().map_err(io::IntoInnerError::into_error)?;
                if len == 0 {
                    return Ok(Sealed::Memory(Vec::new()));
                }
                // SAFETY: the file is this process's own, unlinked, and never written again.
                let map = unsafe { memmap2::Mmap::map(&file)? };
                if (map.len() as u64) < len * size_of::<T>() as u64 {
                    return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "short file"));
                }
                Ok(Sealed::Mapped(Mapped {
                    map,
                    read: AtomicU64::new(0),
                    last_window: AtomicU64::new(u64::MAX),
                    release_every_bytes,
                    kind: PhantomData,
                }))
            }
        }
    }
}

fn as_bytes<T: Plain>(values: &[T]) -> &[u8] {
    // SAFETY: `T: Plain` has no padding, so every byte of the slice is initialised.
    unsafe { std::slice::from_raw_parts(values.as_ptr().cast::<u8>(), size_of_val(values)) }
}

/// A column, to read.
pub(crate) enum Sealed<T: Plain> {
    Memory(Vec<T>),
    Mapped(Mapped<T>),
}

/// A spilled column's mapping.
pub(crate) struct Mapped<T> {
    map: memmap2::Mmap,
    /// Bytes counted towards the next release of the mapping's pages.
    read: AtomicU64,
    /// The fault-around window of the last read.
    last_window: AtomicU64,
    release_every_bytes: u64,
    kind: PhantomData<T>,
}

impl<T: Plain> Default for Sealed<T> {
    fn default() -> Self {
        Sealed::Memory(Vec::new())
    }
}

impl<T: Plain> Sealed<T> {
    /// `len` values from `start`.
    pub(crate) fn slice(&self, start: u64, len: usize) -> &[T] {
        match self {
            Sealed::Memory(values) => &values[start as usize..start as usize + len],
            Sealed::Mapped(mapped) => mapped.slice(start, len),
        }
    }

    pub(crate) fn is_spilled(&self) -> bool {
        matches!(self, Sealed::Mapped(_))
    }
}

impl<T: Plain> Mapped<T> {
    fn slice(&self, start: u64, len: usize) -> &[T] {
        let size = size_of::<T>();
        let (from, bytes) = (start as usize * size, len * size);
        let values = &self.map[from..from + bytes];
        // A read in the window of the one before adds no pages (the walks read nearby chunks
        // in turn); another may fault in a window of pages. Threads race on `last_window`,
        // which only makes the count an estimate.
        let window = from as u64 / FAULT_AROUND_BYTES;
        if self.last_window.swap(window, Ordering::Relaxed) == window {
            return Self::cast(values, len);
        }
        let cost = bytes as u64 + FAULT_AROUND_BYTES;
        let before = self.read.fetch_add(cost, Ordering::Relaxed);
        if (before + cost) / self.release_every_bytes != before / self.release_every_bytes {
            // SAFETY: MADV_DONTNEED on a read-only file mapping discards no data: a page read
            // after it is the file's content again, so slices other threads hold stay valid.
            // Failing to advise only leaves the pages resident.
            let _ = unsafe { self.map.unchecked_advise(memmap2::UncheckedAdvice::DontNeed) };
        }
        Self::cast(values, len)
    }

    fn cast(values: &[u8], len: usize) -> &[T] {
        // SAFETY: the mapping is page-aligned and values start at a multiple of the size of
        // `T`, so they are aligned for it; `T: Plain` is valid for any bytes.
        unsafe { std::slice::from_raw_parts(values.as_ptr().cast::<T>(), len) }
    }
}

/// Hands memory freed since the last call back to the system. glibc keeps what threads free
/// in their arenas for reuse, so the traversal's delta trees and the second scan's caches,
/// once freed, still count in the process's resident memory (rails at 256M: about 50 MiB).
/// Only worth it when the budget is tight: a scan spilling its trees calls it between phases.
pub(crate) fn hand_back_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        unsafe extern "C" {
            fn malloc_trim(pad: usize) -> std::ffi::c_int;
        }
        // SAFETY: glibc's malloc_trim only returns free pages of its own heaps to the kernel.
        unsafe {
            malloc_trim(0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spill_to(dir: &Path) -> SpillTo {
        SpillTo { dir: dir.to_path_buf(), release_every_bytes: 4096 }
    }

    #[test]
    fn a_spilled_column_reads_back_what_was_written_and_leaves_no_file() {
        let dir = tempfile::tempdir().unwrap();
        let mut column = Column::<u32>::in_file(&spill_to(dir.path())).unwrap();
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "unlinked at once");
        let mut starts = Vec::new();
        for n in 0..5_000u32 {
            let values: Vec<u32> = (0..n % 37).map(|k| n * 100 + k).collect();
            starts.push((column.append(&values), values));
        }
        let sealed = column.seal().unwrap();
        assert!(sealed.is_spilled());
        for (start, values) in starts.iter().rev() {
            assert_eq!(sealed.slice(*start, values.len()), &values[..]);
        }
    }

    #[test]
    fn columns_in_memory_and_in_a_file_read_alike() {
        let dir = tempfile::tempdir().unwrap();
        let (mut memory, mut file) =
            (Column::<u32>::in_memory(), Column::in_file(&spill_to(dir.path())).unwrap());
        for n in 0..100u32 {
            assert_eq!(memory.append(&[n, n + 1]), file.append(&[n, n + 1]));
        }
        let (memory, file) = (memory.seal().unwrap(), file.seal().unwrap());
        assert!(!memory.is_spilled());
        assert_eq!(memory.slice(10, 50), file.slice(10, 50));
    }

    #[test]
    fn no_file_can_be_made_in_a_missing_directory() {
        let dir = tempfile::tempdir().unwrap();
        assert!(Column::<u32>::in_file(&spill_to(&dir.path().join("absent"))).is_err());
    }
}
