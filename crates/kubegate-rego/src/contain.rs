//! A panic inside the Rego engine (regorus) is an error of the policy being evaluated,
//! not the end of the run: every call into regorus goes through [`catching`], which
//! turns a panic into an error and keeps the default panic message off standard error
//! (the error is reported like any policy error, with the policy and the document).
//! Found by fuzzing: regorus formats a number beyond `f64`'s range in an error message,
//! and its formatting fails (`a formatting trait implementation returned an error`).

use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Once;

thread_local! {
    /// Set while this thread runs regorus: a panic then is caught and reported by
    /// [`catching`], so the panic hook stays quiet.
    static INSIDE: Cell<bool> = const { Cell::new(false) };
}

static HOOK: Once = Once::new();

/// Runs `f` (a call into regorus); a panic becomes an error saying so.
pub fn catching<T>(f: impl FnOnce() -> anyhow::Result<T>) -> anyhow::Result<T> {
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !INSIDE.with(Cell::get) {
                previous(info);
            }
        }));
    });
    let outer = INSIDE.with(|i| i.replace(true));
    let result = catch_unwind(AssertUnwindSafe(f));
    INSIDE.with(|i| i.set(outer));
    result.unwrap_or_else(|payload| {
        let why = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "an unknown failure".into());
        Err(anyhow::anyhow!("the Rego engine failed on this policy ({why}); kubegate reported it instead of stopping"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_inside_becomes_an_error_and_the_thread_goes_on() {
        let r: anyhow::Result<()> = catching(|| panic!("boom"));
        assert_eq!(
            r.unwrap_err().to_string(),
            "the Rego engine failed on this policy (boom); kubegate reported it instead of stopping"
        );
        assert_eq!(catching(|| Ok(7)).unwrap(), 7);
    }
}
