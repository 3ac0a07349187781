//! Retention: receipts received longer ago than `--retention-days` are deleted by a background
//! task, at start and then every [`SWEEP_INTERVAL`]. A consent record is personal data kept to
//! prove consent; once no claim could need it, keeping it has no purpose (GDPR Art. 5(1)(e)).

use std::time::Duration;

use tokio::task::JoinHandle;

use crate::receipt::Millis;
use crate::store::{Store, StoreError};

/// How often old receipts are swept.
pub const SWEEP_INTERVAL: Duration = Duration::from_secs(60 * 60);

/// Milliseconds in a day.
const DAY: Millis = 24 * 60 * 60 * 1000;

/// The oldest `received_at` kept at `now` with a retention of `days` (`None`: keep all).
pub fn cutoff(days: u32, now: Millis) -> Option<Millis> {
    (days > 0).then(|| now.saturating_sub(Millis::from(days) * DAY))
}

/// Deletes the receipts older than `days` at `now`; returns how many.
pub async fn sweep(store: &Store, days: u32, now: Millis) -> Result<u64, StoreError> {
    match cutoff(days, now) {
        Some(cutoff) => store.delete_received_before(cutoff).await,
        None => Ok(0),
    }
}

/// Starts the background sweep (none when `days` is 0). A failed sweep is logged and tried
/// again at the next interval.
pub fn spawn(store: Store, days: u32) -> Option<JoinHandle<()>> {
    (days > 0).then(|| {
        tokio::spawn(async move {
            let mut interval = tokio::time::interval(SWEEP_INTERVAL);
            interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                interval.tick().await;
                match sweep(&store, days, crate::api::now()).await {
                    Ok(0) => {}
                    Ok(deleted) => {
                        tracing::info!(
                            "retention: deleted {deleted} receipts older than {days} days"
                        )
                    }
                    Err(err) => {
                        tracing::warn!("retention: {}", crate::trace::escape(&err.to_string()))
                    }
                }
            }
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cutoff_is_that_many_days_before_now_and_zero_keeps_everything() {
        assert_eq!(cutoff(1, 10 * DAY), Some(9 * DAY));
        assert_eq!(cutoff(1826, 1000), Some(0));
        assert_eq!(cutoff(0, 10 * DAY), None);
    }
}
