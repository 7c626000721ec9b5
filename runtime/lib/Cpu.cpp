//===- Cpu.cpp - Whether this CPU runs the kernels' instructions ----------===//

#include "kiln/runtime/Cpu.h"

#include <cstdint>
#include <sstream>
#include <vector>

#if defined(__x86_64__)
#include <cpuid.h>
#endif

namespace kiln {
namespace rt {

namespace {

/// The x86 features Halide targets name, each with its CPUID bits.
const char *const kX86Features[] = {"sse41",
                                    "avx",
                                    "avx2",
                                    "fma",
                                    "f16c",
                                    "avx512",
                                    "avx512_skylake",
                                    "avx512_cannonlake",
                                    "avx512_sapphirerapids"};

std::vector<std::string> split(const std::string &text, char sep) {
  std::vector<std::string> parts;
  std::string part;
  std::istringstream in(text);
  while (std::getline(in, part, sep))
    parts.push_back(part);
  return parts;
}

#if defined(__x86_64__)
struct Cpuid {
  unsigned ecx1 = 0, ebx7 = 0, ecx7 = 0, eax7s1 = 0;
  uint64_t xcr0 = 0;

  Cpuid() {
    unsigned a, b, c, d;
    if (__get_cpuid(1, &a, &b, &c, &d))
      ecx1 = c;
    if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
      ebx7 = b;
      ecx7 = c;
    }
    if (__get_cpuid_count(7, 1, &a, &b, &c, &d))
      eax7s1 = a;
    // The OS must save the vector registers too (OSXSAVE, then XCR0).
    if (ecx1 & (1u << 27)) {
      uint32_t lo, hi;
      __asm__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
      xcr0 = (uint64_t(hi) << 32) | lo;
    }
  }
};
#endif

} // namespace

bool cpuHasFeature(const std::string &feature) {
#if defined(__x86_64__)
  static const Cpuid id;
  auto ecx1 = [&](int bit) { return (id.ecx1 >> bit) & 1u; };
  auto ebx7 = [&](int bit) { return (id.ebx7 >> bit) & 1u; };
  auto ecx7 = [&](int bit) { return (id.ecx7 >> bit) & 1u; };
  bool ymm = (id.xcr0 & 0x6) == 0x6;         // SSE and AVX state
  bool zmm = (id.xcr0 & 0xe6) == 0xe6;       // ... and the AVX-512 state
  bool avx512 = zmm && ebx7(16) && ebx7(28); // F, CD
  bool skylake = avx512 && ebx7(31) && ebx7(30) && ebx7(17); // VL, BW, DQ
  bool cannonlake = skylake && ebx7(21) && ecx7(1);          // IFMA, VBMI
  if (feature == "sse41")
    return ecx1(19);
  if (feature == "avx")
    return ymm && ecx1(28);
  if (feature == "avx2")
    return ymm && ebx7(5);
  if (feature == "fma")
    return ymm && ecx1(12);
  if (feature == "f16c")
    return ymm && ecx1(29);
  if (feature == "avx512")
    return avx512;
  if (feature == "avx512_skylake")
    return skylake;
  if (feature == "avx512_cannonlake")
    return cannonlake;
  if (feature == "avx512_sapphirerapids") // + VNNI, BF16
    return cannonlake && ecx7(11) && ((id.eax7s1 >> 5) & 1u);
#else
  (void)feature;
#endif
  return false;
}

Status checkTargetRunsHere(
    const std::string &target,
    const std::function<bool(const std::string &)> &hasFeature) {
  std::vector<std::string> parts = split(target, '-');
  if (parts.size() < 2)
    return Status::error("kernel target '" + target +
                         "' is not a Halide "
                         "target string");
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
    for (const char *feature : kX86Features)
      if (parts[i] == feature && !hasFeature(parts[i]))
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
