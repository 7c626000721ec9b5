//===- ThreadPool.h - The parallel loops of Kiln's kernels ------*- C++ -*-===//
//
// Every parallel loop of a compiled kernel calls halide_do_par_for. Halide's
// own pool puts a worker to sleep as soon as it finds no job, and claims
// each iteration under one mutex. A training step runs dozens of parallel
// loops, many of a few microseconds, so each call paid for waking the other
// thread and for a lock per iteration: report 002 Model 1 trained slower on
// two threads than on one (23,000 against 30,600 images/s), with a fifth of
// its cycles in halide_mutex_lock.
//
// This pool keeps its workers spinning for a while after each loop, so the
// next loop of the step starts at once, and hands out iterations in shrinking
// chunks with one atomic operation each. Kernels keep the Halide runtime's
// calling convention, so the executables install it with
// halide_set_custom_do_par_for and kiln-bench through its JIT handlers.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_RUNTIME_THREADPOOL_H
#define KILN_RUNTIME_THREADPOOL_H

#include <cstdint>

namespace kiln {
namespace rt {

/// One iteration of a parallel loop, as Halide's halide_task_t.
using ParallelTask = int (*)(void *userContext, int index, uint8_t *closure);

/// Sets the number of threads parallel loops use, the caller's included
/// (0: HL_NUM_THREADS if set, else the CPU count). Workers are started on
/// first use and kept; a smaller count leaves the extra ones asleep.
void setParallelThreads(int threads);

/// The number of threads parallel loops use.
int parallelThreads();

/// Runs task(userContext, i, closure) for every i in [min, min + extent),
/// spread over the pool's threads, and returns the first non-zero status a
/// task returned (the remaining iterations are then skipped), else 0. A
/// call made from inside a parallel loop, or while another thread's loop
/// holds the pool, runs its iterations on the calling thread.
int parallelFor(void *userContext, ParallelTask task, int min, int extent,
                uint8_t *closure);

} // namespace rt
} // namespace kiln

#endif // KILN_RUNTIME_THREADPOOL_H
