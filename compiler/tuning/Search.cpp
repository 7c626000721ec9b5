//===- Search.cpp - Evolutionary search over schedules --------------------===//

#include "kiln/Tuning/Search.h"

#include <algorithm>

using namespace kiln;
using namespace kiln::tuning;
using codegen::Schedule;

const std::vector<SpaceField> &tuning::cpuSearchSpace() {
  // Vector widths are lanes of f32 (0: the target's natural width); tiles
  // beyond these spill the 16/32 vector registers of x86 and AArch64.
  static const std::vector<SpaceField> space = {
      {"vector width",
       {0, 4, 8, 16, 32},
       [](const Schedule &s) { return s.vectorWidth; },
       [](Schedule &s, int v) { s.vectorWidth = v; }},
      {"tile inner",
       {1, 2, 3, 4},
       [](const Schedule &s) { return s.tileInner; },
       [](Schedule &s, int v) { s.tileInner = v; }},
      {"tile outer",
       {1, 2, 3, 4, 5, 6, 7, 8},
       [](const Schedule &s) { return s.tileOuter; },
       [](Schedule &s, int v) { s.tileOuter = v; }},
      {"unroll",
       {1, 2, 4, 8},
       [](const Schedule &s) { return s.unrollReduction; },
       [](Schedule &s, int v) { s.unrollReduction = v; }},
      {"stage input",
       {0, 1},
       [](const Schedule &s) { return int(s.stageInput); },
       [](Schedule &s, int v) { s.stageInput = v; }},
      {"rfactor",
       {0, 2, 4, 8, 16, 32, 64},
       [](const Schedule &s) { return s.rfactor; },
       [](Schedule &s, int v) { s.rfactor = v; }},
      {"parallel batch",
       {0, 1},
       [](const Schedule &s) { return int(s.parallelBatch); },
       [](Schedule &s, int v) { s.parallelBatch = v; }},
      // Dense layers only: reduction steps per block of weights (0: none).
      {"reduction block",
       {0, 64, 128, 256, 512},
       [](const Schedule &s) { return s.reductionBlock; },
       [](Schedule &s, int v) { s.reductionBlock = v; }},
  };
  return space;
}

ScheduleSearch::ScheduleSearch(uint64_t seed, std::vector<Schedule> initial,
                               const std::vector<SpaceField> &space)
    : space(space), rng(seed), pending(std::move(initial)) {
  // Proposed back to front.
  std::reverse(pending.begin(), pending.end());
}

const Schedule &ScheduleSearch::pickParent() {
  // Tournament of two among the best few tunable candidates: mostly the
  // best, sometimes a runner-up, so the search does not collapse at once.
  std::vector<size_t> order;
  for (size_t i = 0; i < measured.size(); ++i)
    if (measured[i].second >= 0 && measured[i].first.autoscheduler.empty())
      order.push_back(i);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return measured[a].second < measured[b].second;
  });
  size_t top = std::min<size_t>(order.size(), 4);
  size_t a = rng() % top, b = rng() % top;
  return measured[order[std::min(a, b)]].first;
}

Schedule ScheduleSearch::mutate(const Schedule &parent) {
  Schedule child = parent;
  // One or two fields change; a changed field moves to a neighbouring value
  // half of the time (local refinement), else to any other value.
  int changes = 1 + int(rng() % 2);
  for (int c = 0; c < changes; ++c) {
    const SpaceField &field = space[rng() % space.size()];
    int current = field.get(child);
    auto at = std::find(field.values.begin(), field.values.end(), current);
    size_t index = at == field.values.end() ? 0 : at - field.values.begin();
    size_t n = field.values.size();
    size_t pick;
    if (rng() % 2 && at != field.values.end())
      pick = (rng() % 2) ? std::min(index + 1, n - 1) : (index ? index - 1 : 0);
    else
      pick = rng() % n;
    field.set(child, field.values[pick]);
  }
  return child;
}

bool ScheduleSearch::next(Schedule &candidate) {
  while (!pending.empty()) {
    candidate = pending.back();
    pending.pop_back();
    if (seen.insert(candidate.toString()).second)
      return true;
  }
  bool haveParent = std::any_of(measured.begin(), measured.end(), [](auto &m) {
    return m.second >= 0 && m.first.autoscheduler.empty();
  });
  if (!haveParent)
    return false;
  // Mutants of the elite until an unseen one turns up; a bounded number of
  // tries, since a converged search may have seen every close neighbour.
  for (int attempt = 0; attempt < 200; ++attempt) {
    Schedule child = mutate(pickParent());
    if (attempt % 4 == 3) {
      // Crossover: each field from one of two parents.
      const Schedule &other = pickParent();
      for (const SpaceField &field : space)
        if (rng() % 2)
          field.set(child, field.get(other));
    }
    if (seen.insert(child.toString()).second) {
      candidate = child;
      return true;
    }
  }
  return false;
}

void ScheduleSearch::report(const Schedule &candidate, double seconds) {
  measured.emplace_back(candidate, seconds);
}

std::vector<std::pair<Schedule, double>> ScheduleSearch::ranked() const {
  std::vector<std::pair<Schedule, double>> result;
  for (const auto &m : measured)
    if (m.second >= 0)
      result.push_back(m);
  std::stable_sort(result.begin(), result.end(),
                   [](auto &a, auto &b) { return a.second < b.second; });
  return result;
}
