//===- Search.h - Evolutionary search over schedules ------------*- C++ -*-===//
//
// The schedule space is a table of Schedule fields, each with the values
// worth trying (cpuSearchSpace()); a field added to Schedule joins the search
// by adding a row. ScheduleSearch proposes candidates, the caller measures
// them and reports the time back. It knows nothing about Halide or kernels,
// so it is tested on synthetic costs.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_TUNING_SEARCH_H
#define KILN_TUNING_SEARCH_H

#include "kiln/Codegen/Schedule.h"

#include <cstdint>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace kiln {
namespace tuning {

/// One searchable field of codegen::Schedule and the values tried for it.
struct SpaceField {
  const char *name;
  std::vector<int> values;
  int (*get)(const codegen::Schedule &);
  void (*set)(codegen::Schedule &, int);
};

/// The fields the search varies for CPU targets: vector width, register
/// tile, reduction unroll, input staging, rfactor split, parallel loop,
/// a dense layer's reduction block.
const std::vector<SpaceField> &cpuSearchSpace();

/// Evolutionary search: first the given seed candidates in order (the
/// heuristic, the autoschedulers), then mutants and crossovers of the best
/// measured non-autoscheduler candidates. Given the seed, the sequence of
/// candidates is a deterministic function of the ranking of the times
/// reported so far; no candidate is proposed twice.
class ScheduleSearch {
public:
  ScheduleSearch(uint64_t seed, std::vector<codegen::Schedule> initial,
                 const std::vector<SpaceField> &space = cpuSearchSpace());

  /// The next candidate to measure, or false when every schedule reachable
  /// from the population has been tried.
  bool next(codegen::Schedule &candidate);

  /// Records a measurement of a candidate `next` returned; `seconds` < 0
  /// means it failed to compile or run.
  void report(const codegen::Schedule &candidate, double seconds);

  /// Measured candidates, fastest first (failures left out).
  std::vector<std::pair<codegen::Schedule, double>> ranked() const;

  /// Candidates proposed so far.
  size_t proposed() const { return seen.size(); }

private:
  codegen::Schedule mutate(const codegen::Schedule &parent);
  const codegen::Schedule &pickParent();

  const std::vector<SpaceField> &space;
  std::mt19937_64 rng;
  std::vector<codegen::Schedule> pending;
  std::set<std::string> seen;
  /// Measured candidates in report order (ties in time keep this order).
  std::vector<std::pair<codegen::Schedule, double>> measured;
};

} // namespace tuning
} // namespace kiln

#endif // KILN_TUNING_SEARCH_H
