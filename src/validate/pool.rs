//! Sending the planned requests: a bounded number at once, a minimum interval per provider,
//! and a host that did not answer at all is not tried again in the same run.

use std::{
    collections::HashMap,
    sync::{
        Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::Instant,
};

use super::{
    Options, Validation,
    answer::{self, Failure, Reply},
    http::Client,
    jobs::Job,
    request::host_of,
};

pub(crate) struct Results {
    pub(crate) validations: Vec<Validation>,
    /// Requests that found no network (DNS failure, refused, unreachable).
    pub(crate) unreachable: usize,
}

/// What the workers share.
struct Shared<'a> {
    client: &'a Client,
    options: &'a Options,
    schedule: Mutex<HashMap<&'a str, Instant>>,
    /// Hosts that did not answer at all (or not in time): not tried again in this run.
    failed_hosts: Mutex<HashMap<String, Failure>>,
    unreachable: AtomicUsize,
}

pub(crate) fn run(jobs: &[Job], client: &Client, options: &Options) -> Results {
    let shared = Shared {
        client,
        options,
        schedule: Mutex::default(),
        failed_hosts: Mutex::default(),
        unreachable: AtomicUsize::new(0),
    };
    let next = AtomicUsize::new(0);
    let slots: Vec<Mutex<Option<Validation>>> = jobs.iter().map(|_| Mutex::new(None)).collect();
    let workers = options.concurrency.clamp(1, jobs.len().max(1));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(job) = jobs.get(index) else { break };
                    *slots[index].lock().expect("slot lock") = Some(check(job, &shared));
                }
            });
        }
    });
    let validations = slots
        .into_iter()
        .map(|slot| slot.into_inner().expect("slot lock").expect("every job ran"))
        .collect();
    Results { validations, unreachable: shared.unreachable.into_inner() }
}

fn check<'a>(job: &'a Job, shared: &Shared<'a>) -> Validation {
    let request = match &job.request {
        Err(decided) => return decided.clone(),
        Ok(request) => request,
    };
    let host = host_of(&request.url);
    let earlier = shared.failed_hosts.lock().expect("hosts lock").get(&host).copied();
    match earlier {
        Some(Failure::Unreachable) => {
            shared.unreachable.fetch_add(1, Ordering::Relaxed);
            return Validation::unknown("network unreachable");
        }
        Some(_) => {
            return Validation::unknown("not sent: the host did not answer earlier in this run");
        }
        None => {}
    }
    wait_turn(&shared.schedule, &job.validator.provider_id, shared.options);
    let reply = shared.client.send(request);
    if let Reply::Failed(failure @ (Failure::Unreachable | Failure::Timeout)) = reply {
        if failure == Failure::Unreachable {
            shared.unreachable.fetch_add(1, Ordering::Relaxed);
        }
        shared.failed_hosts.lock().expect("hosts lock").insert(host, failure);
    }
    answer::read(&job.validator.answer, &reply, shared.options.timeout.as_secs_f64())
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
