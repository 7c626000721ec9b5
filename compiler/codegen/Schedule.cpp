//===- Schedule.cpp - Schedules of fused kernels as data ------------------===//

#include "kiln/Codegen/Schedule.h"

#include <cstdlib>
#include <sstream>

namespace kiln {
namespace codegen {

std::string Schedule::toString() const {
  if (!autoscheduler.empty())
    return "auto:" + autoscheduler +
           (autoschedulerBeam ? "/beam" + std::to_string(autoschedulerBeam)
                              : "");
  std::ostringstream os;
  os << 'v' << vectorWidth << " t" << tileInner << 'x' << tileOuter << " u"
     << unrollReduction << (stageInput ? " stage" : " nostage") << " rf"
     << rfactor << (parallelBatch ? " pb" : " pr");
  if (reductionBlock)
    os << " kb" << reductionBlock;
  os << " gpu" << gpuThreads << 'x' << gpuTile;
  return os.str();
}

namespace {

/// Parses a non-negative decimal integer that fills all of `text`.
bool parseCount(const std::string &text, int &out) {
  if (text.empty() || text.size() > 6)
    return false;
  for (char c : text)
    if (c < '0' || c > '9')
      return false;
  out = std::atoi(text.c_str());
  return true;
}

/// Parses "AxB" into two counts.
bool parsePair(const std::string &text, int &a, int &b) {
  size_t x = text.find('x');
  return x != std::string::npos && parseCount(text.substr(0, x), a) &&
         parseCount(text.substr(x + 1), b);
}

} // namespace

std::optional<Schedule> Schedule::parse(const std::string &text,
                                        std::string &error) {
  Schedule s;
  if (text.rfind("auto:", 0) == 0) {
    s.autoscheduler = text.substr(5);
    size_t slash = s.autoscheduler.find('/');
    if (slash != std::string::npos) {
      std::string option = s.autoscheduler.substr(slash + 1);
      s.autoscheduler.resize(slash);
      if (s.autoscheduler != "Adams2019" || option.rfind("beam", 0) != 0 ||
          !parseCount(option.substr(4), s.autoschedulerBeam) ||
          s.autoschedulerBeam < 1) {
        error = "bad autoscheduler option '" + option + "' in '" + text +
                "' (only Adams2019 takes one: beamN, N >= 1)";
        return std::nullopt;
      }
    }
    if (s.autoscheduler != "Adams2019" && s.autoscheduler != "Mullapudi2016" &&
        s.autoscheduler != "Li2018") {
      error = "unknown autoscheduler '" + s.autoscheduler + "'";
      return std::nullopt;
    }
    return s;
  }
  std::istringstream is(text);
  std::string word;
  while (is >> word) {
    bool ok = true;
    if (word == "stage" || word == "nostage")
      s.stageInput = word == "stage";
    else if (word == "pb" || word == "pr")
      s.parallelBatch = word == "pb";
    else if (word.rfind("gpu", 0) == 0)
      ok = parsePair(word.substr(3), s.gpuThreads, s.gpuTile);
    else if (word.rfind("kb", 0) == 0)
      ok = parseCount(word.substr(2), s.reductionBlock);
    else if (word.rfind("rf", 0) == 0)
      ok = parseCount(word.substr(2), s.rfactor);
    else if (word[0] == 'v')
      ok = parseCount(word.substr(1), s.vectorWidth);
    else if (word[0] == 't')
      ok = parsePair(word.substr(1), s.tileInner, s.tileOuter);
    else if (word[0] == 'u')
      ok = parseCount(word.substr(1), s.unrollReduction);
    else
      ok = false;
    if (!ok) {
      error = "bad schedule field '" + word + "' in '" + text + "'";
      return std::nullopt;
    }
  }
  if (s.tileInner < 1 || s.tileOuter < 1 || s.unrollReduction < 1 ||
      s.gpuThreads < 1 || s.gpuTile < 1) {
    error = "schedule tiles and unroll factors must be at least 1 in '" + text +
            "'";
    return std::nullopt;
  }
  return s;
}

} // namespace codegen
} // namespace kiln
