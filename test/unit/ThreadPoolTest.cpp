//===- ThreadPoolTest.cpp - The kernels' parallel loops -------------------===//

#include "kiln/runtime/ThreadPool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

using namespace kiln::rt;

namespace {

/// Counts how often each iteration ran.
struct Counts {
  int min = 0;
  std::vector<std::atomic<int>> ran;
  Counts(int min, int extent) : min(min), ran(extent) {}
  static int task(void *context, int i, uint8_t *) {
    auto *self = static_cast<Counts *>(context);
    self->ran[i - self->min].fetch_add(1);
    return 0;
  }
};

/// Records the threads that ran a loop's iterations. Each iteration waits
/// (up to a second) for a second thread to show up, so a loop of a few
/// iterations is shared whenever the pool hands work to a second thread.
struct Threads {
  std::mutex mutex;
  std::set<std::thread::id> seen;
  static int task(void *context, int, uint8_t *) {
    auto *self = static_cast<Threads *>(context);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    {
      std::lock_guard<std::mutex> lock(self->mutex);
      self->seen.insert(std::this_thread::get_id());
    }
    while (std::chrono::steady_clock::now() < deadline) {
      std::lock_guard<std::mutex> lock(self->mutex);
      if (self->seen.size() > 1)
        break;
    }
    return 0;
  }
};

class ThreadPool : public ::testing::Test {
protected:
  void TearDown() override { setParallelThreads(0); }
};

// Tests that every iteration runs exactly once, for loops shorter and
// longer than the thread count and starting away from zero.
TEST_F(ThreadPool, EveryIterationOnce) {
  for (int threads : {1, 2, 3, 8}) {
    setParallelThreads(threads);
    EXPECT_EQ(parallelThreads(), threads);
    for (int extent : {0, 1, 2, 3, 7, 64, 1000, 100000}) {
      Counts counts(5, extent);
      ASSERT_EQ(parallelFor(&counts, Counts::task, 5, extent, nullptr), 0);
      for (int i = 0; i < extent; ++i)
        ASSERT_EQ(counts.ran[i].load(), 1)
            << "iteration " << i << " of " << extent << ", " << threads
            << " threads";
    }
  }
}

// Tests that loops run back to back (as a training step's do) each see all
// their iterations and that the closure reaches every thread.
TEST_F(ThreadPool, ManyShortLoops) {
  setParallelThreads(2);
  std::vector<int> values(37);
  for (int loop = 0; loop < 20000; ++loop) {
    struct Closure {
      std::vector<int> *values;
      int loop;
    } closure{&values, loop};
    auto task = [](void *context, int i, uint8_t *) {
      auto *c = static_cast<Closure *>(context);
      (*c->values)[i] = c->loop + i;
      return 0;
    };
    ASSERT_EQ(parallelFor(&closure, task, 0, int(values.size()), nullptr), 0);
    for (int i = 0; i < int(values.size()); ++i)
      ASSERT_EQ(values[i], loop + i) << "loop " << loop;
  }
}

// Tests that a second thread takes part, both while the workers spin and
// after they have gone to sleep.
TEST_F(ThreadPool, SharesWorkAndWakesSleepingWorkers) {
  setParallelThreads(2);
  for (int round = 0; round < 3; ++round) {
    Threads threads;
    ASSERT_EQ(parallelFor(&threads, Threads::task, 0, 8, nullptr), 0);
    EXPECT_EQ(threads.seen.size(), 2u) << "round " << round;
    // Longer than the workers spin: the next round finds them asleep.
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

// Tests that a failing iteration's status is returned and stops the loop.
TEST_F(ThreadPool, ReturnsTheFailure) {
  for (int threads : {1, 2}) {
    setParallelThreads(threads);
    std::atomic<int> ran{0};
    auto task = [](void *context, int i, uint8_t *) {
      static_cast<std::atomic<int> *>(context)->fetch_add(1);
      return i == 3 ? -7 : 0;
    };
    EXPECT_EQ(parallelFor(&ran, task, 0, 100000, nullptr), -7);
    EXPECT_LT(ran.load(), 100000);
  }
}

// Tests that a loop inside a loop runs on its caller's thread and completes.
TEST_F(ThreadPool, NestedLoopsRunInline) {
  setParallelThreads(2);
  std::vector<std::atomic<int>> cells(16 * 16);
  auto inner = [](void *context, int i, uint8_t *closure) {
    auto *cells = static_cast<std::vector<std::atomic<int>> *>(context);
    (*cells)[*reinterpret_cast<int *>(closure) * 16 + i].fetch_add(1);
    return 0;
  };
  struct Outer {
    std::vector<std::atomic<int>> *cells;
    ParallelTask inner;
  } outer{&cells, inner};
  auto task = [](void *context, int row, uint8_t *) {
    auto *o = static_cast<Outer *>(context);
    return parallelFor(o->cells, o->inner, 0, 16,
                       reinterpret_cast<uint8_t *>(&row));
  };
  ASSERT_EQ(parallelFor(&outer, task, 0, 16, nullptr), 0);
  for (auto &cell : cells)
    EXPECT_EQ(cell.load(), 1);
}

// Tests that two application threads calling at once both get their loops
// run (one of them on its own thread while the other holds the pool).
TEST_F(ThreadPool, ConcurrentCallers) {
  setParallelThreads(2);
  auto caller = [](bool *ok) {
    for (int loop = 0; loop < 2000; ++loop) {
      Counts counts(0, 50);
      if (parallelFor(&counts, Counts::task, 0, 50, nullptr) != 0)
        return;
      for (auto &ran : counts.ran)
        if (ran.load() != 1)
          return;
    }
    *ok = true;
  };
  bool ok1 = false, ok2 = false;
  std::thread a(caller, &ok1), b(caller, &ok2);
  a.join();
  b.join();
  EXPECT_TRUE(ok1);
  EXPECT_TRUE(ok2);
}

} // namespace
