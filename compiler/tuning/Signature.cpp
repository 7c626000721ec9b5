//===- Signature.cpp - Structural signatures of fused kernels -------------===//

#include "kiln/Tuning/Signature.h"
#include "kiln/Transforms/Signature.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Operation.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Support/xxhash.h"

using namespace kiln;
using namespace kiln::tuning;

namespace {

/// Prints blocks with values numbered by position, so that two kernels that
/// differ only in SSA names or locations print the same.
class CanonicalPrinter {
public:
  explicit CanonicalPrinter(llvm::raw_ostream &os) : os(os) {}

  void printBlock(mlir::Block &block) {
    std::string prefix = "a" + std::to_string(blocks++) + ".";
    os << "block(";
    for (mlir::BlockArgument arg : block.getArguments()) {
      names[arg] = prefix + std::to_string(arg.getArgNumber());
      os << (arg.getArgNumber() ? ", " : "") << arg.getType();
    }
    os << ")\n";
    for (mlir::Operation &op : block)
      printOp(op);
  }

private:
  void printOp(mlir::Operation &op) {
    unsigned index = ops++;
    for (mlir::OpResult result : op.getResults())
      names[result] = "r" + std::to_string(index) + "." +
                      std::to_string(result.getResultNumber());
    os << op.getName().getStringRef() << "(";
    for (mlir::OpOperand &operand : op.getOpOperands()) {
      auto it = names.find(operand.get());
      // A value defined outside the kernel cannot occur in an isolated
      // region; name it by type only should it ever.
      os << (operand.getOperandNumber() ? ", " : "")
         << (it == names.end() ? std::string("outer") : it->second);
    }
    os << ") ";
    // The dictionary is sorted by name, so attribute order never matters.
    op.getAttrDictionary().print(os);
    os << " : (";
    llvm::interleaveComma(op.getOperandTypes(), os);
    os << ") -> (";
    llvm::interleaveComma(op.getResultTypes(), os);
    os << ")\n";
    for (mlir::Region &region : op.getRegions())
      for (mlir::Block &block : region)
        printBlock(block);
  }

  llvm::raw_ostream &os;
  llvm::DenseMap<mlir::Value, std::string> names;
  unsigned ops = 0;
  unsigned blocks = 0;
};

} // namespace

std::string tuning::canonicalText(mlir::Block &body) {
  std::string text;
  llvm::raw_string_ostream os(text);
  CanonicalPrinter(os).printBlock(body);
  return text;
}

std::string tuning::kernelSignature(mlir::Block &body) {
  // XXH3 is a fixed algorithm (not std::hash), so keys stay valid across
  // builds and machines.
  uint64_t hash = llvm::xxh3_64bits(llvm::StringRef(canonicalText(body)));
  std::string hex;
  llvm::raw_string_ostream(hex) << llvm::format_hex_no_prefix(hash, 16);
  return hex;
}

int64_t tuning::plannedBatch(mlir::Operation *kernel) {
  auto func = kernel->getParentOfType<mlir::func::FuncOp>();
  if (!func)
    return 0;
  auto batch = func->getAttrOfType<mlir::IntegerAttr>(attr::kBatch);
  return batch ? batch.getInt() : 0;
}
