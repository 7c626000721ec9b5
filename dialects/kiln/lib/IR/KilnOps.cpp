//===- KilnOps.cpp - Kiln dialect operations ------------------------------===//

#include "kiln/IR/KilnOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"

using namespace mlir;
using namespace kiln;

shape::Dims kiln::toShapeDims(ArrayRef<int64_t> mlirShape) {
  shape::Dims dims;
  dims.reserve(mlirShape.size());
  for (int64_t d : mlirShape)
    dims.push_back(ShapedType::isDynamic(d) ? shape::kDynamic : d);
  return dims;
}

SmallVector<int64_t> kiln::toMlirShape(const shape::Dims &dims) {
  SmallVector<int64_t> shape;
  shape.reserve(dims.size());
  for (int64_t d : dims)
    shape.push_back(d == shape::kDynamic ? ShapedType::kDynamic : d);
  return shape;
}

/// Checks that an i64 array attribute has `expected` elements, each at least
/// `minValue`; returns the rule's message otherwise.
static std::string checkArray(StringRef name, ArrayRef<int64_t> values,
                              size_t expected, int64_t minValue) {
  if (values.size() != expected)
    return ("'" + name + "' must have " + Twine(expected) + " elements, got " +
            Twine(values.size()))
        .str();
  for (int64_t v : values)
    if (v < minValue)
      return ("'" + name + "' elements must be >= " + Twine(minValue) +
              ", got " + Twine(v))
          .str();
  return {};
}

/// Verifies that `op`'s single result has the type `rule` gives.
static LogicalResult verifyResultShape(Operation *op,
                                       const shape::ShapeResult &rule) {
  if (!rule.ok())
    return op->emitOpError() << rule.error;
  auto actual = cast<RankedTensorType>(op->getResult(0).getType());
  if (toShapeDims(actual.getShape()) != rule.dims)
    return op->emitOpError()
           << "result type " << actual << " does not match the inferred shape "
           << shape::formatDims(rule.dims);
  return success();
}

//===----------------------------------------------------------------------===//
// Conv2DOp
//===----------------------------------------------------------------------===//

shape::ShapeResult Conv2DOp::inferShape(Type input, Type filter,
                                        ArrayRef<int64_t> strides,
                                        ArrayRef<int64_t> dilations,
                                        ArrayRef<int64_t> padding) {
  for (std::string error : {checkArray("strides", strides, 2, 1),
                            checkArray("dilations", dilations, 2, 1),
                            checkArray("padding", padding, 4, 0)})
    if (!error.empty())
      return shape::ShapeResult::failure(error);
  return shape::conv2d(
      toShapeDims(cast<RankedTensorType>(input).getShape()),
      toShapeDims(cast<RankedTensorType>(filter).getShape()),
      {strides[0], strides[1]}, {dilations[0], dilations[1]},
      {shape::Pad{padding[0], padding[1]}, {padding[2], padding[3]}});
}

LogicalResult Conv2DOp::verify() {
  return verifyResultShape(*this, inferShape(getInput().getType(),
                                             getFilter().getType(),
                                             getStrides(), getDilations(),
                                             getPadding()));
}

#define GET_OP_CLASSES
#include "kiln/IR/KilnOps.cpp.inc"
