//===- Cpu.cpp - Whether this CPU runs the kernels' instructions ----------===//

#include "kiln/runtime/Cpu.h"

#include <cstdint>
#include <map>
#include <sstream>
#include <vector>

#if defined(__x86_64__)
#include <cpuid.h>
#endif

namespace kiln {
namespace rt {

namespace {

std::vector<std::string> split(const std::string &text, char sep) {
  std::vector<std::string> parts;
  std::string part;
  std::istringstream in(text);
  while (std::getline(in, part, sep))
    parts.push_back(part);
  return parts;
}

/// Each x86 instruction-set feature a Halide target string can name, and
/// whether this CPU (and its OS, which must save the registers) has it. Off
/// x86 every one is missing.
const std::map<std::string, bool> &x86Features() {
  static const std::map<std::string, bool> features = [] {
    unsigned ecx1 = 0, ebx7 = 0, ecx7 = 0, eax7s1 = 0;
    uint64_t xcr0 = 0;
#if defined(__x86_64__)
    unsigned a, b, c, d;
    if (__get_cpuid(1, &a, &b, &c, &d))
      ecx1 = c;
    if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
      ebx7 = b;
      ecx7 = c;
    }
    if (__get_cpuid_count(7, 1, &a, &b, &c, &d))
      eax7s1 = a;
    if (ecx1 & (1u << 27)) { // OSXSAVE: XCR0 says which state the OS saves
      uint32_t lo, hi;
      __asm__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
      xcr0 = (uint64_t(hi) << 32) | lo;
    }
#endif
    auto bit = [](unsigned word, int n) { return ((word >> n) & 1u) != 0; };
    bool ymm = (xcr0 & 0x6) == 0x6;   // SSE and AVX state
    bool zmm = (xcr0 & 0xe6) == 0xe6; // ... and the AVX-512 state
    bool avx512 = zmm && bit(ebx7, 16) && bit(ebx7, 28); // F, CD
    bool skylake =
        avx512 && bit(ebx7, 31) && bit(ebx7, 30) && bit(ebx7, 17); // VL, BW, DQ
    bool cannonlake = skylake && bit(ebx7, 21) && bit(ecx7, 1);    // IFMA, VBMI
    return std::map<std::string, bool>{
        {"sse41", bit(ecx1, 19)},
        {"avx", ymm && bit(ecx1, 28)},
        {"avx2", ymm && bit(ebx7, 5)},
        {"fma", ymm && bit(ecx1, 12)},
        {"f16c", ymm && bit(ecx1, 29)},
        {"avx512", avx512},
        {"avx512_skylake", skylake},
        {"avx512_cannonlake", cannonlake},
        // + VNNI, BF16
        {"avx512_sapphirerapids",
         cannonlake && bit(ecx7, 11) && bit(eax7s1, 5)},
    };
  }();
  return features;
}

} // namespace

bool cpuHasFeature(const std::string &feature) {
  auto it = x86Features().find(feature);
  return it != x86Features().end() && it->second;
}

Status checkTargetRunsHere(
    const std::string &target,
    const std::function<bool(const std::string &)> &hasFeature) {
  std::vector<std::string> parts = split(target, '-');
  if (parts.size() < 2)
    return Status::error("kernel target '" + target +
                         "' is not a Halide target string");
#if defined(__x86_64__)
  const char *here = "x86-64";
#elif defined(__aarch64__)
  const char *here = "arm-64";
#else
  const char *here = "";
#endif
  std::string arch = parts[0] + "-" + parts[1];
  if (arch != here)
    return Status::error("the kernels were compiled for " + target +
                         ", which does not run on this " +
                         (*here ? std::string(here) : "unknown") + " CPU");
  std::string missing;
  for (size_t i = 2; i < parts.size(); ++i)
    if (x86Features().count(parts[i]) && !hasFeature(parts[i]))
      missing += (missing.empty() ? "" : ", ") + parts[i];
  if (!missing.empty())
    return Status::error("the kernels were compiled for " + target +
                         ", but this CPU lacks " + missing +
                         " (compile the model for this machine with kilnc "
                         "--target=host)");
  return Status::ok();
}

} // namespace rt
} // namespace kiln
