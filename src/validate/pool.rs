//! Sending the planned requests: a bounded number at once, a minimum interval per provider,
//! and a host that did not answer at all is not tried again in the same run.

use std::{
    collections::{HashMap, HashSet},
    sync::{
        Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::Instant,
};

use super::{
    Options,
    answer::{self, Failure, Reply},
    http::Client,
    jobs::Job,
    outcome::Validation,
    request::host_of,
};

pub struct Results {
    pub validations: Vec<Validation>,
    /// Requests that found no network (DNS failure, refused, unreachable).
    pub unreachable: usize,
}

pub fn run(jobs: &[Job], client: &Client, options: &Options) -> Results {
    let next = AtomicUsize::new(0);
    let unreachable = AtomicUsize::new(0);
    let schedule: Mutex<HashMap<&str, Instant>> = Mutex::default();
    let dead_hosts: Mutex<HashSet<String>> = Mutex::default();
    let slots: Vec<Mutex<Option<Validation>>> = jobs.iter().map(|_| Mutex::new(None)).collect();
    let timeout_secs = options.timeout.as_secs_f64();
    let workers = options.concurrency.clamp(1, jobs.len().max(1));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(job) = jobs.get(index) else { break };
                    let validation = match &job.request {
                        Err(decided) => decided.clone(),
                        Ok(request) => {
                            let host = host_of(&request.url);
                            if dead_hosts.lock().expect("hosts lock").contains(&host) {
                                unreachable.fetch_add(1, Ordering::Relaxed);
                                Validation::unknown("network unreachable")
                            } else {
                                wait_turn(&schedule, &job.validator.provider_id, options);
                                let reply = client.send(request);
                                if matches!(reply, Reply::Failed(Failure::Unreachable)) {
                                    unreachable.fetch_add(1, Ordering::Relaxed);
                                    dead_hosts.lock().expect("hosts lock").insert(host);
                                }
                                answer::read(&job.validator.answer, &reply, timeout_secs)
                            }
                        }
                    };
                    *slots[index].lock().expect("slot lock") = Some(validation);
                }
            });
        }
    });
    let validations = slots
        .into_iter()
        .map(|slot| slot.into_inner().expect("slot lock").expect("every job ran"))
        .collect();
    Results { validations, unreachable: unreachable.into_inner() }
}

/// Sleeps until this provider's next request slot.
fn wait_turn<'a>(
    schedule: &Mutex<HashMap<&'a str, Instant>>,
    provider: &'a str,
    options: &Options,
) {
    let slot = {
        let mut schedule = schedule.lock().expect("schedule lock");
        let now = Instant::now();
        let slot = schedule.get(provider).copied().filter(|&t| t > now).unwrap_or(now);
        schedule.insert(provider, slot + options.min_interval);
        slot
    };
    let wait = slot.saturating_duration_since(Instant::now());
    if !wait.is_zero() {
        std::thread::sleep(wait);
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn one_provider_waits_its_interval_and_others_do_not() {
        let options = Options { min_interval: Duration::from_millis(50), ..Options::default() };
        let schedule = Mutex::default();
        let start = Instant::now();
        for _ in 0..3 {
            wait_turn(&schedule, "github", &options);
        }
        assert!(start.elapsed() >= Duration::from_millis(100), "{:?}", start.elapsed());
        let other = Instant::now();
        wait_turn(&schedule, "gitlab", &options);
        assert!(other.elapsed() < Duration::from_millis(50), "{:?}", other.elapsed());
    }
}
