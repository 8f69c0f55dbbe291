//! How a run ends: its exit status, and standard output whose write errors are not lost.

use std::io::{self, BufWriter, StdoutLock, Write};
use std::process::ExitCode;

/// The exit status of every command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// Nothing denied (or nothing to report).
    Pass = 0,
    /// Something denied (or warned, with `--fail-on-warn`), a test failed, an exemption
    /// expired or is invalid.
    Fail = 1,
    /// Something could not be read, parsed or written: the verdict is not to be trusted.
    Error = 2,
}

impl Exit {
    /// `Fail` when `failed`, else `Pass`.
    pub fn failed_if(failed: bool) -> Exit {
        if failed { Exit::Fail } else { Exit::Pass }
    }
}

/// Standard output, buffered, that remembers its first write error: a report that could
/// not be written (a full disk) must not leave a passing status behind. A closed pipe
/// (`kubegate test | head`) is not an error: the reader has what it wanted.
pub struct Stdout {
    inner: BufWriter<StdoutLock<'static>>,
    error: Option<io::Error>,
}

impl Stdout {
    pub fn new() -> Stdout {
        Stdout { inner: BufWriter::with_capacity(1 << 16, io::stdout().lock()), error: None }
    }

    fn note<T>(&mut self, r: io::Result<T>) -> io::Result<T> {
        if let Err(e) = &r
            && self.error.is_none()
        {
            self.error = Some(io::Error::new(e.kind(), e.to_string()));
        }
        r
    }

    /// Flushes, and turns a write error into exit status 2 (said on stderr).
    pub fn finish(mut self, exit: Exit) -> ExitCode {
        let flushed = self.inner.flush();
        let _ = self.note(flushed);
        let exit = match &self.error {
            Some(e) if e.kind() != io::ErrorKind::BrokenPipe => {
                eprintln!("kubegate: cannot write the output: {e}");
                Exit::Error
            }
            _ => exit,
        };
        ExitCode::from(exit as u8)
    }
}

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let r = self.inner.write(buf);
        self.note(r)
    }

    fn flush(&mut self) -> io::Result<()> {
        let r = self.inner.flush();
        self.note(r)
    }
}
