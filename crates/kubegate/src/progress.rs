//! The progress line of large scans.

use std::io::IsTerminal;

/// A progress line on stderr for large scans, only when stderr is a terminal (CI logs and
/// pipes stay clean): `kubegate: 1200/5000 files`, redrawn a few times a second.
pub struct Progress {
    done: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Progress {
    /// How many inputs make a scan worth a progress line.
    const LARGE: usize = 200;

    pub fn start(total: usize) -> Progress {
        use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
        let done = std::sync::Arc::new(AtomicUsize::new(0));
        let stop = std::sync::Arc::new(AtomicBool::new(false));
        let thread = (total >= Self::LARGE && std::io::stderr().is_terminal()).then(|| {
            let (done, stop) = (done.clone(), stop.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    eprint!("\rkubegate: {}/{total} files", done.load(Ordering::Relaxed));
                    std::thread::sleep(std::time::Duration::from_millis(120));
                }
                eprint!("\r\x1b[2K");
            })
        });
        Progress { done, stop, thread }
    }

    pub fn tick(&self) {
        self.done.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    pub fn finish(mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
