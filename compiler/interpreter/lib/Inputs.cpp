//===- Inputs.cpp - Deterministic inputs for a function -------------------===//

#include "kiln/Interpreter/Inputs.h"

#include "kiln/Reference/GradCheck.h"
#include "kiln/runtime/Initializers.h"

#include <algorithm>
#include <optional>

namespace kiln {
namespace interp {

namespace {

/// A one-hot N x M tensor, the class of row n uniform over M, drawn from
/// `stream`: a uniform [0, 1) tensor of N elements scaled to a class.
template <typename T>
ref::Result<ref::Tensor<T>> oneHotRows(const ref::Dims &dims, uint64_t seed,
                                       uint64_t stream) {
  if (dims.size() != 2 || dims[1] < 1)
    return ref::Error{"labels must be N x M with M >= 1, got " +
                      shape::formatDims(dims)};
  ref::Result<ref::Tensor<T>> labels = ref::Tensor<T>::zeros(dims);
  if (!labels.ok())
    return labels;
  ref::Tensor<double> draws =
      ref::uniformTensor<double>({dims[0]}, seed, stream, 0, 1);
  for (int64_t n = 0; n < dims[0]; ++n) {
    int64_t cls = std::min<int64_t>(
        static_cast<int64_t>(draws[n] * static_cast<double>(dims[1])),
        dims[1] - 1);
    labels.value[n * dims[1] + cls] = T(1);
  }
  return labels;
}

} // namespace

template <typename T>
ref::Result<std::vector<RuntimeValue<T>>>
randomInputs(const Signature &signature, const RandomInputOptions &options) {
  if (options.batch < 1)
    return ref::Error{"the batch must be at least 1, got " +
                      std::to_string(options.batch)};
  std::vector<RuntimeValue<T>> inputs;
  for (size_t i = 0; i < signature.arguments.size(); ++i) {
    const SlotInfo &slot = signature.arguments[i];
    if (slot.kind == ValueKind::I64) {
      // The seed argument (dropout's key) takes the seed, the others
      // (the step) the step.
      inputs.push_back(RuntimeValue<T>::i64(
          slot.role == "seed" ? static_cast<int64_t>(options.seed)
                              : options.step));
      continue;
    }
    if (slot.kind == ValueKind::F32) {
      inputs.push_back(RuntimeValue<T>::f32(options.lr));
      continue;
    }
    ref::Dims dims = slot.dims;
    for (int64_t &d : dims)
      if (d == shape::kDynamic)
        d = options.batch;
    if (ref::Tensor<T>::countElements(dims) < 0)
      return ref::Error{slot.describe("argument", i) + ": shape " +
                        shape::formatDims(dims) + " is too large"};
    if (!slot.init.empty()) {
      // A named initialiser is drawn by its name, any other from its
      // kiln.init_args, as the runtime does.
      std::optional<rt::Initializer> init = rt::parseInitializer(slot.init);
      if (!init && !slot.initArgs)
        return ref::Error{slot.describe("argument", i) +
                          ": unknown initializer '" + slot.init + "'" +
                          (slot.initArgsError.empty()
                               ? std::string(" and no kiln.init_args")
                               : "; kiln.init_args: " + slot.initArgsError)};
      ref::Tensor<float> values(dims);
      rt::Status status =
          init
              ? rt::initializeParameter(*init, dims, options.seed,
                                        static_cast<uint32_t>(i), values.data())
              : rt::initializeParameter(*slot.initArgs, dims, options.seed,
                                        static_cast<uint32_t>(i),
                                        values.data());
      if (!status)
        return ref::Error{slot.describe("argument", i) + ": " +
                          status.message()};
      inputs.emplace_back(values.template cast<T>());
      continue;
    }
    if (slot.role == "labels") {
      ref::Result<ref::Tensor<T>> labels = oneHotRows<T>(dims, options.seed, i);
      if (!labels.ok())
        return ref::Error{slot.describe("argument", i) + ": " + labels.error};
      inputs.emplace_back(std::move(labels.value));
      continue;
    }
    bool nonNegative =
        slot.role == "input" || slot.role == "state" || slot.role == "slot";
    // Drawn as float and widened, so float and double runs see equal values.
    ref::Tensor<float> values = ref::uniformTensor<float>(
        dims, options.seed, i, nonNegative ? 0.0 : -1.0, 1.0);
    inputs.emplace_back(values.template cast<T>());
  }
  return inputs;
}

template ref::Result<std::vector<RuntimeValue<float>>>
randomInputs(const Signature &, const RandomInputOptions &);
template ref::Result<std::vector<RuntimeValue<double>>>
randomInputs(const Signature &, const RandomInputOptions &);

} // namespace interp
} // namespace kiln
