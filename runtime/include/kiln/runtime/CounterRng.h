//===- CounterRng.h - Counter-based random numbers --------------*- C++ -*-===//
//
// Philox-4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2,
// 3", SC'11), the counter-based generator of Random123, cuRAND, PyTorch and
// JAX. A random value is a pure function of (key, counter), so dropout masks,
// initialisers, shuffles and augmentation are reproducible from a seed and a
// step, identical in the reference interpreter, the Halide kernels and the
// runtime, and need no state to be checkpointed beyond the seed and step.
//
// This header is the definition; the Halide codegen restates the same rounds
// as Halide expressions and is tested against it.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_RUNTIME_COUNTERRNG_H
#define KILN_RUNTIME_COUNTERRNG_H

#include <array>
#include <cstdint>

namespace kiln {
namespace rng {

using Counter = std::array<uint32_t, 4>;
using Key = std::array<uint32_t, 2>;

constexpr uint32_t kPhiloxM0 = 0xD2511F53u;
constexpr uint32_t kPhiloxM1 = 0xCD9E8D57u;
constexpr uint32_t kPhiloxW0 = 0x9E3779B9u;
constexpr uint32_t kPhiloxW1 = 0xBB67AE85u;
constexpr int kPhiloxRounds = 10;

/// Philox-4x32 with 10 rounds: four 32-bit random words for `counter`
/// under `key`.
inline Counter philox4x32(Counter counter, Key key) {
  for (int round = 0; round < kPhiloxRounds; ++round) {
    if (round) {
      key[0] += kPhiloxW0;
      key[1] += kPhiloxW1;
    }
    uint64_t p0 = uint64_t(kPhiloxM0) * counter[0];
    uint64_t p1 = uint64_t(kPhiloxM1) * counter[2];
    counter = {uint32_t(p1 >> 32) ^ counter[1] ^ key[0], uint32_t(p1),
               uint32_t(p0 >> 32) ^ counter[3] ^ key[1], uint32_t(p0)};
  }
  return counter;
}

/// Maps a random word to a float uniform in [0, 1) with 24 random bits, so
/// every value is exactly representable and the map is the same everywhere.
inline float uniformFloat(uint32_t word) {
  return static_cast<float>(word >> 8) * (1.0f / 16777216.0f);
}

/// The key Kiln derives from a 64-bit seed.
inline Key keyFromSeed(uint64_t seed) {
  return {uint32_t(seed), uint32_t(seed >> 32)};
}

/// The four random words of element `index` of random stream `stream` at
/// `step`: Philox of counter (index, step, stream low, stream high xor step
/// high) under the seed's key. Streams separate users of one seed (each
/// dropout layer, the initialiser of each parameter, the shuffle,
/// augmentation); see streamId().
inline Counter wordsAt(uint64_t seed, uint64_t stream, uint64_t step,
                       uint32_t index) {
  return philox4x32({index, uint32_t(step), uint32_t(stream),
                     uint32_t(stream >> 32) ^ uint32_t(step >> 32)},
                    keyFromSeed(seed));
}

/// The uniform value of element `index` of random stream `stream` at
/// `step`: the first word of wordsAt().
inline float uniformAt(uint64_t seed, uint64_t stream, uint64_t step,
                       uint32_t index) {
  return uniformFloat(wordsAt(seed, stream, step, index)[0]);
}

/// The users of random streams. A stream id is (kind << 32) | number, so
/// two users never share a stream whatever their numbers.
enum class StreamKind : uint32_t {
  /// The initialiser of parameter `number` (its index in the plan).
  Initializer = 1,
  /// Dropout layer `number`.
  Dropout = 2,
  /// The per-epoch shuffle of the training set (number 0).
  Shuffle = 3,
  /// Data augmentation (number: which draw of a sample's parameters).
  Augmentation = 4,
};

/// The stream of user `number` of kind `kind`.
constexpr uint64_t streamId(StreamKind kind, uint32_t number) {
  return (uint64_t(kind) << 32) | number;
}

} // namespace rng
} // namespace kiln

#endif // KILN_RUNTIME_COUNTERRNG_H
