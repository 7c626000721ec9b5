//===- ThreadPool.cpp - The parallel loops of Kiln's kernels --------------===//

#include "kiln/runtime/ThreadPool.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>

namespace kiln {
namespace rt {

namespace {

inline void cpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

/// How long a worker waits, spinning, for the next loop before it sleeps. A
/// training step's loops follow each other within microseconds: report 002
/// Model 1 and report 000 trained as fast with 200 us as with 2 ms (and 2-3%
/// slower with a few us), and a shorter spin wastes less of a busy machine.
constexpr std::chrono::microseconds kSpinTime(200);

/// True on the pool's workers, and on a caller while it runs its share of a
/// loop: a parallel loop nested in another then runs on its thread.
thread_local bool insideLoop = false;

int defaultThreads() {
  if (const char *env = std::getenv("HL_NUM_THREADS"))
    if (int n = std::atoi(env); n > 0)
      return n;
  return std::max(1u, std::thread::hardware_concurrency());
}

int runSerially(void *userContext, ParallelTask task, int min, int extent,
                uint8_t *closure) {
  for (int i = min; i < min + extent; ++i)
    if (int status = task(userContext, i, closure))
      return status;
  return 0;
}

class Pool {
public:
  static Pool &get() {
    // Never destroyed: the workers are detached and may still be spinning
    // on it while the process exits.
    static Pool *pool = new Pool;
    return *pool;
  }

  void setThreads(int threads) {
    wanted.store(threads > 0 ? threads : defaultThreads(),
                 std::memory_order_relaxed);
  }

  int threads() const { return wanted.load(std::memory_order_relaxed); }

  int run(void *userContext, ParallelTask task, int min, int extent,
          uint8_t *closure);

private:
  /// The loop being run. Written by the caller before it opens the loop.
  struct Loop {
    ParallelTask task = nullptr;
    void *userContext = nullptr;
    uint8_t *closure = nullptr;
    int end = 0;
    int threads = 1;
    std::atomic<int> next{0};
    std::atomic<int> status{0};
  };

  Pool() { setThreads(0); }

  void startWorkers(int count);
  void workerMain(int index);
  /// Waits until a loop other than generation `seen` is open; returns the
  /// ticket it read.
  uint64_t waitForLoop(uint32_t seen);
  /// Claims chunks of the loop's iterations and runs them until none are
  /// left: large chunks first, smaller ones towards the end so that the
  /// threads finish together, one compare-and-swap per chunk.
  void work();

  std::atomic<int> wanted{1};
  std::mutex dispatch; // one loop at a time; held by its caller
  int started = 0;     // workers created, under `dispatch`
  Loop loop;
  // The high 32 bits count loops, odd while one is open to workers; the low
  // 32 bits count the workers inside it. A worker joins with a
  // compare-and-swap on the whole, so none can join a loop once its caller
  // has closed it, and the caller closes it only when none is inside.
  std::atomic<uint64_t> ticket{0};
  std::mutex sleepMutex;
  std::condition_variable wake;
  std::atomic<int> sleepers{0};
};

void Pool::startWorkers(int count) {
  for (; started < count; ++started)
    std::thread([this, index = started] { workerMain(index); }).detach();
}

uint64_t Pool::waitForLoop(uint32_t seen) {
  auto isNew = [seen](uint64_t t) {
    uint32_t generation = uint32_t(t >> 32);
    return generation != seen && (generation & 1);
  };
  auto deadline = std::chrono::steady_clock::now() + kSpinTime;
  for (unsigned spins = 1;; ++spins) {
    uint64_t t = ticket.load(std::memory_order_acquire);
    if (isNew(t))
      return t;
    cpuRelax();
    if (spins % 256 == 0) {
      if (std::chrono::steady_clock::now() > deadline)
        break;
      // On a machine with more threads than cores (parallel tests, other
      // jobs) a spinning worker would hold up the thread it waits for.
      std::this_thread::yield();
    }
  }
  std::unique_lock<std::mutex> lock(sleepMutex);
  // Paired with the caller's store of the ticket and load of `sleepers`
  // (both sequentially consistent): either this thread sees the new loop
  // or the caller sees it asleep and wakes it.
  sleepers.fetch_add(1, std::memory_order_seq_cst);
  uint64_t t;
  wake.wait(lock, [&] {
    t = ticket.load(std::memory_order_seq_cst);
    return isNew(t);
  });
  sleepers.fetch_sub(1, std::memory_order_relaxed);
  return t;
}

void Pool::workerMain(int index) {
  insideLoop = true;
  uint32_t seen = 0;
  for (;;) {
    uint64_t t = waitForLoop(seen);
    uint32_t generation = uint32_t(t >> 32);
    seen = generation;
    // Workers beyond the current thread count sit this loop out.
    if (index + 1 >= wanted.load(std::memory_order_relaxed))
      continue;
    while (uint32_t(t >> 32) == generation) {
      if (ticket.compare_exchange_weak(t, t + 1, std::memory_order_acquire,
                                       std::memory_order_acquire)) {
        work();
        ticket.fetch_sub(1, std::memory_order_release);
        break;
      }
    }
  }
}

void Pool::work() {
  int chunkDivisor = 2 * loop.threads;
  for (;;) {
    int first = loop.next.load(std::memory_order_relaxed);
    int remaining = loop.end - first;
    if (remaining <= 0)
      return;
    int chunk = std::max(1, remaining / chunkDivisor);
    if (!loop.next.compare_exchange_weak(first, first + chunk,
                                         std::memory_order_relaxed))
      continue;
    for (int i = first; i < first + chunk; ++i) {
      if (int status = loop.task(loop.userContext, i, loop.closure)) {
        int none = 0;
        loop.status.compare_exchange_strong(none, status);
        loop.next.store(loop.end, std::memory_order_relaxed);
        return;
      }
    }
  }
}

int Pool::run(void *userContext, ParallelTask task, int min, int extent,
              uint8_t *closure) {
  int threads = std::min(this->threads(), extent);
  if (threads <= 1 || insideLoop)
    return runSerially(userContext, task, min, extent, closure);
  std::unique_lock<std::mutex> lock(dispatch, std::try_to_lock);
  if (!lock.owns_lock())
    return runSerially(userContext, task, min, extent, closure);
  startWorkers(threads - 1);

  loop.task = task;
  loop.userContext = userContext;
  loop.closure = closure;
  loop.end = min + extent;
  loop.threads = threads;
  loop.next.store(min, std::memory_order_relaxed);
  loop.status.store(0, std::memory_order_relaxed);
  // Closed until now: an even generation and no worker inside.
  uint64_t open = ticket.load(std::memory_order_relaxed) + (uint64_t(1) << 32);
  ticket.store(open, std::memory_order_seq_cst);
  if (sleepers.load(std::memory_order_seq_cst) > 0) {
    std::lock_guard<std::mutex> guard(sleepMutex);
    wake.notify_all();
  }

  insideLoop = true;
  work();
  insideLoop = false;

  // Close the loop once the workers inside have left it.
  uint64_t closed = open + (uint64_t(1) << 32);
  for (unsigned spins = 1;; ++spins) {
    uint64_t expected = open;
    if (ticket.compare_exchange_weak(expected, closed,
                                     std::memory_order_acq_rel,
                                     std::memory_order_relaxed))
      break;
    cpuRelax();
    // A worker that joined and was then preempted needs a core to leave.
    if (spins % 256 == 0)
      std::this_thread::yield();
  }
  return loop.status.load(std::memory_order_relaxed);
}

} // namespace

void setParallelThreads(int threads) { Pool::get().setThreads(threads); }

int parallelThreads() { return Pool::get().threads(); }

int parallelFor(void *userContext, ParallelTask task, int min, int extent,
                uint8_t *closure) {
  if (extent <= 0)
    return 0;
  return Pool::get().run(userContext, task, min, extent, closure);
}

} // namespace rt
} // namespace kiln
