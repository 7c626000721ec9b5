//===- Peak.cpp - The machine's measured FP32 peak ------------------------===//

#include "kiln/Codegen/Peak.h"

#include "kiln/Codegen/JitRunner.h"

#include <algorithm>
#include <chrono>

double kiln::codegen::measurePeakGflops(const Halide::Target &target) {
  const int lanes = target.natural_vector_size(Halide::Float(32));
  // Enough independent accumulators to cover FMA latency on two pipes
  // (4 cycles x 2 units = 8) with room to spare, as register tiles do.
  const int chains = 12;
  const int steps = 20000;
  const int tasks = 64;
  Halide::Var c("c"), k("k"), t("t");
  Halide::RDom r(0, steps, "r");
  Halide::Func acc("acc"), out("out");
  acc(c, k, t) = Halide::cast<float>(c + k + t) * 1e-3f;
  // The addend depends on r only so the update is a reduction over r; it is
  // one scalar per step, shared by all lanes and chains.
  acc(c, k, t) =
      acc(c, k, t) * 0.99999f + (1e-6f + Halide::cast<float>(r) * 1e-12f);
  out(c, k, t) = acc(c, k, t);
  out.bound(c, 0, lanes).bound(k, 0, chains).vectorize(c).unroll(k).parallel(t);
  acc.compute_at(out, t).vectorize(c).unroll(k);
  acc.update().reorder(c, k, r).vectorize(c).unroll(k);
  // On the pool the kernels run on, as kiln-bench times them.
  useRuntimeThreadPool(out.jit_handlers());
  out.compile_jit(target);
  Halide::Buffer<float> result(lanes, chains, tasks);
  out.realize(result, target);
  double best = 0;
  for (int i = 0; i < 20; ++i) {
    auto start = std::chrono::steady_clock::now();
    out.realize(result, target);
    std::chrono::duration<double> elapsed =
        std::chrono::steady_clock::now() - start;
    double flops = 2.0 * lanes * chains * steps * tasks;
    best = std::max(best, flops / elapsed.count() / 1e9);
  }
  return best;
}
