//! The spinning team (`nunchi_engine::cpu::team`) on rayon's native pool:
//! every task of every fork runs exactly once, results come back in task
//! order, and with `--features threads` and 2 threads a helper takes part.
//! Without the feature the team is the plain loop it falls back to.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use nunchi_engine::cpu::{team, threads};

#[test]
fn every_task_runs_once_in_order_and_helpers_take_part() {
    threads::set_threads(2);
    const FORKS: usize = 5_000;
    const TASKS: usize = 4;
    let runs: Vec<AtomicUsize> = (0..FORKS * TASKS).map(|_| AtomicUsize::new(0)).collect();
    let by_helper = AtomicUsize::new(0);
    team::with_team(|| {
        assert_eq!(team::in_team(), threads::threads() > 1 && cfg!(feature = "threads"), "leading a team");
        let leader = std::thread::current().id();
        for fork in 0..FORKS {
            team::fork(TASKS, &|task| {
                // A few microseconds of work, as a small layer's share is: long
                // enough for a spinning helper to claim a task before the leader
                // has run them all.
                let start = std::time::Instant::now();
                while start.elapsed() < std::time::Duration::from_micros(5) {
                    std::hint::spin_loop();
                }
                runs[fork * TASKS + task].fetch_add(1, Ordering::Relaxed);
                if std::thread::current().id() != leader {
                    by_helper.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
        // A team call inside a team call is a plain call.
        team::with_team(|| assert_eq!(team::fork_map(3, |t| t * 10), vec![0, 10, 20]));
    });
    assert!(runs.iter().all(|r| r.load(Ordering::Relaxed) == 1), "every task runs exactly once");
    let helped = by_helper.load(Ordering::Relaxed);
    if cfg!(feature = "threads") {
        assert!(helped > 0, "with 2 threads a helper runs some of {} tasks", FORKS * TASKS);
    } else {
        assert_eq!(helped, 0, "without threads the leader runs every task");
    }
    assert!(!team::in_team(), "the team is over once with_team returns");

    // (One test, not two: tests run side by side, and a second team on the
    // 2-thread pool would take the helper's thread.)
    let squares = team::with_team(|| team::fork_map(64, |t| t * t));
    assert_eq!(squares, (0..64).map(|t| t * t).collect::<Vec<_>>());
    // Outside a team, fork runs the tasks one after another on this thread.
    let order = Mutex::new(Vec::new());
    team::fork(5, &|t| order.lock().unwrap().push(t));
    assert_eq!(*order.lock().unwrap(), vec![0, 1, 2, 3, 4]);

    // Chunks of a slice: each a whole number of `align` values, every value
    // visited once, the same result as one call (here, rows of 3 values).
    let rows_plus_index = |chunk: &mut [f32]| {
        for row in chunk.chunks_mut(3) {
            let sum: f32 = row.iter().sum();
            row.iter_mut().for_each(|v| *v += sum);
        }
    };
    let values: Vec<f32> = (0..3 * 1001).map(|i| i as f32).collect();
    let mut want = values.clone();
    rows_plus_index(&mut want);
    let mut got = values.clone();
    team::with_team(|| team::for_each_chunk_mut(&mut got, 3, 8, rows_plus_index));
    assert_eq!(got, want, "chunked rows equal one call");
    // Outside a team: one call, whatever the sizes.
    let mut got = values;
    team::for_each_chunk_mut(&mut got, 3, 1, rows_plus_index);
    assert_eq!(got, want);
}
