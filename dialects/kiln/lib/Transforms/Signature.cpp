//===- Signature.cpp - Roles of Kiln function arguments -------------------===//
//
// Reads the `kiln.role` attributes of @forward and checks them against the
// contract, so each pass can rely on a well-formed signature and a user sees
// one clear message when MLIRGen (or a hand-written input) breaks it.
//
//===----------------------------------------------------------------------===//

#include "kiln/Transforms/Signature.h"

#include "kiln/IR/KilnOps.h"

using namespace mlir;

namespace kiln {

StringRef argRole(func::FuncOp func, unsigned index) {
  if (auto role = func.getArgAttrOfType<StringAttr>(index, attr::kRole))
    return role.getValue();
  return {};
}

StringRef argName(func::FuncOp func, unsigned index) {
  if (auto name = func.getArgAttrOfType<StringAttr>(index, attr::kName))
    return name.getValue();
  return {};
}

FailureOr<ForwardSignature> analyzeForward(func::FuncOp forward) {
  ForwardSignature sig;
  bool haveInput = false, haveStep = false;
  FunctionType type = forward.getFunctionType();
  for (unsigned i = 0, e = forward.getNumArguments(); i < e; ++i) {
    StringRef role = argRole(forward, i);
    Type argType = type.getInput(i);
    if (role == role::kInput) {
      if (haveInput)
        return forward.emitError() << "@forward has more than one argument "
                                      "with kiln.role = \"input\"";
      haveInput = true;
      sig.input = i;
    } else if (role == role::kStep) {
      if (haveStep || !argType.isInteger(64))
        return forward.emitError()
               << "@forward needs exactly one i64 argument with kiln.role = "
                  "\"step\"";
      haveStep = true;
      sig.step = i;
    } else if (role == role::kSeed) {
      if (sig.seed || !argType.isInteger(64))
        return forward.emitError()
               << "@forward takes at most one argument with kiln.role = "
                  "\"seed\", an i64";
      sig.seed = i;
    } else if (role == role::kParam || role == role::kState) {
      auto tensor = dyn_cast<RankedTensorType>(argType);
      if (!tensor || !tensor.hasStaticShape())
        return forward.emitError()
               << "@forward argument #" << i << " (" << role
               << ") must be a tensor of static shape, got " << argType;
      (role == role::kParam ? sig.params : sig.state).push_back(i);
    } else {
      return forward.emitError()
             << "@forward argument #" << i
             << " has no valid kiln.role (input, step, seed, param or state)";
    }
  }
  if (!haveInput || !haveStep)
    return forward.emitError() << "@forward needs an argument with kiln.role "
                               << (haveInput ? "\"step\"" : "\"input\"");
  if (type.getNumResults() != 1 + sig.state.size())
    return forward.emitError()
           << "@forward must return the logits and one updated value per "
              "state argument ("
           << 1 + sig.state.size() << " results), got " << type.getNumResults();
  auto logits = dyn_cast<RankedTensorType>(type.getResult(0));
  if (!logits || logits.getRank() != 2)
    return forward.emitError()
           << "@forward's first result (the logits) must be N x classes, got "
           << type.getResult(0);
  for (auto [k, arg] : llvm::enumerate(sig.state))
    if (type.getResult(1 + k) != type.getInput(arg))
      return forward.emitError()
             << "@forward result #" << 1 + k << " has type "
             << type.getResult(1 + k) << " but its state argument #" << arg
             << " has type " << type.getInput(arg);
  return sig;
}

FailureOr<func::FuncOp> lookupFunction(ModuleOp module, StringRef name,
                                       StringRef pass) {
  if (auto func = module.lookupSymbol<func::FuncOp>(name))
    if (!func.isExternal())
      return func;
  return module.emitError() << pass << ": the module has no function @" << name;
}

} // namespace kiln
