//===- KilnOps.cpp - Kiln dialect operations ------------------------------===//
//
// Verifiers, shape inference, folders and canonicalizations of the kiln ops.
// Every shape check calls a rule of kiln/Shape/ShapeRules.h; this file only
// converts between MLIR types and the rules' plain shapes and checks the
// attribute ranges that are not shapes (rates, momenta, epsilons).
//
//===----------------------------------------------------------------------===//

#include "kiln/IR/KilnOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"

#include <sstream>

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

shape::Dims kiln::shapeOf(Type type) {
  if (auto tensor = dyn_cast<RankedTensorType>(type))
    return toShapeDims(tensor.getShape());
  return {};
}

RankedTensorType kiln::tensorTypeFor(MLIRContext *context,
                                     const shape::ShapeResult &rule) {
  Type f32 = Float32Type::get(context);
  if (!rule.ok())
    return RankedTensorType::get({}, f32);
  return RankedTensorType::get(toMlirShape(rule.dims), f32);
}

//===----------------------------------------------------------------------===//
// Attribute checks
//===----------------------------------------------------------------------===//

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

/// Checks that an i64 attribute is at least `minValue`.
static std::string checkAtLeast(StringRef name, int64_t value,
                                int64_t minValue) {
  if (value < minValue)
    return ("'" + name + "' must be >= " + Twine(minValue) + ", got " +
            Twine(value))
        .str();
  return {};
}

/// The first non-empty message of `errors` as a failed rule, or nullopt.
static std::optional<shape::ShapeResult>
firstError(std::initializer_list<std::string> errors) {
  for (const std::string &error : errors)
    if (!error.empty())
      return shape::ShapeResult::failure(error);
  return std::nullopt;
}

/// Formats a float attribute's value briefly (0.9, 1e-07), unlike the
/// exponent form diagnostics use for doubles.
static std::string formatFloat(FloatAttr attr) {
  std::ostringstream os;
  os << attr.getValueAsDouble();
  return os.str();
}

/// Verifies 0 <= `attr` < 1 (a rate, momentum or decay).
static LogicalResult verifyUnitInterval(Operation *op, StringRef name,
                                        FloatAttr attr) {
  double v = attr.getValueAsDouble();
  if (!(v >= 0.0 && v < 1.0))
    return op->emitOpError()
           << "'" << name << "' must be in [0, 1), got " << formatFloat(attr);
  return success();
}

/// Verifies `attr` > 0 (an epsilon).
static LogicalResult verifyPositive(Operation *op, StringRef name,
                                    FloatAttr attr) {
  if (!(attr.getValueAsDouble() > 0.0))
    return op->emitOpError()
           << "'" << name << "' must be positive, got " << formatFloat(attr);
  return success();
}

/// Verifies `attr` >= 0 (a regularization scale).
static LogicalResult verifyNonNegative(Operation *op, StringRef name,
                                       FloatAttr attr) {
  if (!(attr.getValueAsDouble() >= 0.0))
    return op->emitOpError() << "'" << name << "' must be non-negative, got "
                             << formatFloat(attr);
  return success();
}

//===----------------------------------------------------------------------===//
// Shape checks
//===----------------------------------------------------------------------===//

/// Verifies that `rule` holds; `what` (if given) names the operand the
/// message is about.
static LogicalResult verifyShapeRule(Operation *op,
                                     const shape::ShapeResult &rule,
                                     StringRef what = {}) {
  if (rule.ok())
    return success();
  InFlightDiagnostic diag = op->emitOpError();
  if (!what.empty())
    diag << what << ": ";
  return diag << rule.error;
}

/// Verifies that `rule` holds and that result `index` of `op` has the type
/// it gives.
static LogicalResult verifyResultShape(Operation *op,
                                       const shape::ShapeResult &rule,
                                       unsigned index = 0) {
  if (failed(verifyShapeRule(op, rule)))
    return failure();
  auto actual = cast<RankedTensorType>(op->getResult(index).getType());
  if (toShapeDims(actual.getShape()) != rule.dims)
    return op->emitOpError()
           << "result type " << actual << " does not match the inferred shape "
           << shape::formatDims(rule.dims);
  return success();
}

/// Verifies that a trained parameter (and so its optimizer state) has a
/// static shape.
static LogicalResult verifyParameter(Operation *op, Type param) {
  shape::Dims dims = shapeOf(param);
  if (shape::numElements(dims) < 0)
    return op->emitOpError() << "parameters must have a static shape, got "
                             << shape::formatDims(dims);
  return success();
}

/// The (height, width) pads of a checked 4-element padding attribute.
static std::array<shape::Pad, 2> pads2D(ArrayRef<int64_t> padding) {
  return {shape::Pad{padding[0], padding[1]},
          shape::Pad{padding[2], padding[3]}};
}

/// The pad of a checked 2-element padding attribute.
static shape::Pad pad1D(ArrayRef<int64_t> padding) {
  return {padding[0], padding[1]};
}

/// Checks conv2d's attributes (shared by the op and its gradients).
static std::optional<shape::ShapeResult>
checkConv2DAttrs(ArrayRef<int64_t> strides, ArrayRef<int64_t> dilations,
                 ArrayRef<int64_t> padding) {
  return firstError({checkArray("strides", strides, 2, 1),
                     checkArray("dilations", dilations, 2, 1),
                     checkArray("padding", padding, 4, 0)});
}

/// Checks conv1d's attributes (shared by the op and its gradients).
static std::optional<shape::ShapeResult>
checkConv1DAttrs(int64_t stride, int64_t dilation, ArrayRef<int64_t> padding) {
  return firstError({checkAtLeast("stride", stride, 1),
                     checkAtLeast("dilation", dilation, 1),
                     checkArray("padding", padding, 2, 0)});
}

/// Checks 2-D pooling attributes (shared by the ops and their gradients).
static std::optional<shape::ShapeResult>
checkPool2DAttrs(ArrayRef<int64_t> window, ArrayRef<int64_t> strides,
                 ArrayRef<int64_t> padding) {
  return firstError({checkArray("window", window, 2, 1),
                     checkArray("strides", strides, 2, 1),
                     checkArray("padding", padding, 4, 0)});
}

/// Checks 1-D pooling attributes (shared by the ops and their gradients).
static std::optional<shape::ShapeResult>
checkPool1DAttrs(int64_t window, int64_t stride, ArrayRef<int64_t> padding) {
  return firstError({checkAtLeast("window", window, 1),
                     checkAtLeast("stride", stride, 1),
                     checkArray("padding", padding, 2, 0)});
}

/// pool2d's rule after checking the attributes (max and average pooling).
static shape::ShapeResult inferPool2D(Type input, ArrayRef<int64_t> window,
                                      ArrayRef<int64_t> strides,
                                      ArrayRef<int64_t> padding) {
  if (auto error = checkPool2DAttrs(window, strides, padding))
    return *error;
  return shape::pool2d(shapeOf(input), {window[0], window[1]},
                       {strides[0], strides[1]}, pads2D(padding));
}

/// pool1d's rule after checking the attributes.
static shape::ShapeResult inferPool1D(Type input, int64_t window,
                                      int64_t stride,
                                      ArrayRef<int64_t> padding) {
  if (auto error = checkPool1DAttrs(window, stride, padding))
    return *error;
  return shape::pool1d(shapeOf(input), window, stride, pad1D(padding));
}

/// pool2dGrad's rule after checking the attributes (max_pool2d_grad).
static shape::ShapeResult inferPool2DGrad(Type gradOut, Type input,
                                          ArrayRef<int64_t> window,
                                          ArrayRef<int64_t> strides,
                                          ArrayRef<int64_t> padding) {
  if (auto error = checkPool2DAttrs(window, strides, padding))
    return *error;
  return shape::pool2dGrad(shapeOf(gradOut), shapeOf(input),
                           {window[0], window[1]}, {strides[0], strides[1]},
                           pads2D(padding));
}

/// pool1dGrad's rule after checking the attributes (max_pool1d_grad).
static shape::ShapeResult inferPool1DGrad(Type gradOut, Type input,
                                          int64_t window, int64_t stride,
                                          ArrayRef<int64_t> padding) {
  if (auto error = checkPool1DAttrs(window, stride, padding))
    return *error;
  return shape::pool1dGrad(shapeOf(gradOut), shapeOf(input), window, stride,
                           pad1D(padding));
}

//===----------------------------------------------------------------------===//
// Convolution and dense
//===----------------------------------------------------------------------===//

shape::ShapeResult Conv2DOp::inferShape(Type input, Type filter,
                                        ArrayRef<int64_t> strides,
                                        ArrayRef<int64_t> dilations,
                                        ArrayRef<int64_t> padding) {
  if (auto error = checkConv2DAttrs(strides, dilations, padding))
    return *error;
  return shape::conv2d(shapeOf(input), shapeOf(filter),
                       {strides[0], strides[1]}, {dilations[0], dilations[1]},
                       pads2D(padding));
}

LogicalResult Conv2DOp::verify() {
  return verifyResultShape(
      *this, inferShape(getInput().getType(), getFilter().getType(),
                        getStrides(), getDilations(), getPadding()));
}

shape::ShapeResult Conv1DOp::inferShape(Type input, Type filter, int64_t stride,
                                        int64_t dilation,
                                        ArrayRef<int64_t> padding) {
  if (auto error = checkConv1DAttrs(stride, dilation, padding))
    return *error;
  return shape::conv1d(shapeOf(input), shapeOf(filter), stride, dilation,
                       pad1D(padding));
}

LogicalResult Conv1DOp::verify() {
  return verifyResultShape(*this, inferShape(getInput().getType(),
                                             getFilter().getType(), getStride(),
                                             getDilation(), getPadding()));
}

shape::ShapeResult DenseOp::inferShape(Type input, Type weights) {
  return shape::dense(shapeOf(input), shapeOf(weights));
}

LogicalResult DenseOp::verify() {
  return verifyResultShape(
      *this, inferShape(getInput().getType(), getWeights().getType()));
}

LogicalResult BiasAddOp::verify() {
  return verifyShapeRule(*this,
                         shape::channelParam(shapeOf(getInput().getType()),
                                             shapeOf(getBias().getType())),
                         "bias");
}

LogicalResult SoftmaxOp::verify() {
  return verifyShapeRule(*this, shape::softmax(shapeOf(getInput().getType())));
}

LogicalResult GlobalAvgPoolOp::verify() {
  return verifyResultShape(*this,
                           shape::globalPool(shapeOf(getInput().getType())));
}

//===----------------------------------------------------------------------===//
// Normalization and regularization
//===----------------------------------------------------------------------===//

LogicalResult BatchNormTrainOp::verify() {
  if (failed(verifyPositive(*this, "epsilon", getEpsilonAttr())))
    return failure();
  return verifyShapeRule(*this,
                         shape::channelParam(shapeOf(getInput().getType()),
                                             shapeOf(getGamma().getType())),
                         "gamma");
}

LogicalResult BatchNormInferOp::verify() {
  if (failed(verifyPositive(*this, "epsilon", getEpsilonAttr())))
    return failure();
  return verifyShapeRule(*this,
                         shape::channelParam(shapeOf(getInput().getType()),
                                             shapeOf(getGamma().getType())),
                         "gamma");
}

LogicalResult MovingAverageOp::verify() {
  if (failed(verifyUnitInterval(*this, "momentum", getMomentumAttr())))
    return failure();
  return verifyShapeRule(*this,
                         shape::movingAverage(shapeOf(getRunning().getType()),
                                              shapeOf(getBatch().getType())));
}

LogicalResult DropoutOp::verify() {
  return verifyUnitInterval(*this, "rate", getRateAttr());
}

/// A dropout of rate 0 keeps every element with scale 1: its output is its
/// input. The mask (all ones) may still feed the gradient's kiln.mul, which
/// folds it away; once neither result is used the op is dead.
LogicalResult DropoutOp::canonicalize(DropoutOp op, PatternRewriter &rewriter) {
  if (!op.getRate().isZero() || op.getOutput().use_empty())
    return failure();
  rewriter.replaceAllUsesWith(op.getOutput(), op.getInput());
  return success();
}

//===----------------------------------------------------------------------===//
// Elementwise arithmetic and shape manipulation
//===----------------------------------------------------------------------===//

/// Whether `value` is the mask of a dropout of rate 0, i.e. all ones.
static bool isUnitDropoutMask(Value value) {
  auto dropout = value.getDefiningOp<DropoutOp>();
  return dropout && dropout.getMask() == value && dropout.getRate().isZero();
}

OpFoldResult MulOp::fold(FoldAdaptor) {
  if (isUnitDropoutMask(getRhs()))
    return getLhs();
  if (isUnitDropoutMask(getLhs()))
    return getRhs();
  return {};
}

shape::ShapeResult ConcatOp::inferShape(TypeRange inputs, int64_t axis) {
  std::vector<shape::Dims> dims;
  for (Type type : inputs)
    dims.push_back(shapeOf(type));
  return shape::concat(dims, axis);
}

LogicalResult ConcatOp::verify() {
  return verifyResultShape(
      *this, inferShape(getInputs().getTypes(), getAxisAttr().getInt()));
}

int64_t ConcatOp::getResolvedAxis() {
  return shape::resolveAxis(getAxisAttr().getInt(),
                            cast<RankedTensorType>(getType()).getRank());
}

OpFoldResult ConcatOp::fold(FoldAdaptor) {
  if (getInputs().size() == 1 && getInputs()[0].getType() == getType())
    return getInputs()[0];
  return {};
}

LogicalResult FlattenOp::verify() {
  return verifyResultShape(*this,
                           shape::flatten(shapeOf(getInput().getType())));
}

OpFoldResult FlattenOp::fold(FoldAdaptor) {
  if (getInput().getType() == getType())
    return getInput();
  return {};
}

/// The value a reshape or flatten reshapes, or null for any other value.
/// Both keep the batch extent and the row-major order of each example, so a
/// reshape or flatten of their result can read their input instead.
static Value reshapeSource(Value value) {
  if (auto reshape = value.getDefiningOp<ReshapeOp>())
    return reshape.getInput();
  if (auto flatten = value.getDefiningOp<FlattenOp>())
    return flatten.getInput();
  return {};
}

LogicalResult FlattenOp::canonicalize(FlattenOp op, PatternRewriter &rewriter) {
  Value source = reshapeSource(op.getInput());
  if (!source)
    return failure();
  rewriter.modifyOpInPlace(op, [&] { op.getInputMutable().assign(source); });
  return success();
}

LogicalResult ReshapeOp::verify() {
  ArrayRef<int64_t> target = getShape();
  shape::ShapeResult rule = shape::reshape(
      shapeOf(getInput().getType()), shape::Dims(target.begin(), target.end()));
  // The rule's message first: it says why a reshape cannot work at all.
  if (failed(verifyShapeRule(*this, rule)))
    return failure();
  for (int64_t extent : target)
    if (extent <= 0)
      return emitOpError() << "'shape' extents must be positive (the builder "
                              "resolves -1), got "
                           << extent;
  return verifyResultShape(*this, rule);
}

OpFoldResult ReshapeOp::fold(FoldAdaptor) {
  if (getInput().getType() == getType())
    return getInput();
  return {};
}

LogicalResult ReshapeOp::canonicalize(ReshapeOp op, PatternRewriter &rewriter) {
  Value source = reshapeSource(op.getInput());
  if (!source)
    return failure();
  rewriter.modifyOpInPlace(op, [&] { op.getInputMutable().assign(source); });
  return success();
}

shape::ShapeResult ZeroPadOp::inferShape(Type input,
                                         ArrayRef<int64_t> padding) {
  shape::Dims dims = shapeOf(input);
  if (dims.size() != 3 && dims.size() != 4)
    return shape::ShapeResult::failure(
        "zero padding needs an NWC or NHWC input, got " +
        shape::formatDims(dims));
  size_t axes = dims.size() - 2;
  if (auto error = firstError({checkArray("padding", padding, 2 * axes, 0)}))
    return *error;
  std::vector<shape::Pad> pads;
  for (size_t i = 0; i < axes; ++i)
    pads.push_back({padding[2 * i], padding[2 * i + 1]});
  return shape::zeroPad(dims, pads);
}

LogicalResult ZeroPadOp::verify() {
  return verifyResultShape(*this,
                           inferShape(getInput().getType(), getPadding()));
}

OpFoldResult ZeroPadOp::fold(FoldAdaptor) {
  if (getInput().getType() == getType() &&
      llvm::all_of(getPadding(), [](int64_t p) { return p == 0; }))
    return getInput();
  return {};
}

LogicalResult SliceOp::verify() {
  ArrayRef<int64_t> offsets = getOffsets(), sizes = getSizes();
  return verifyResultShape(
      *this, shape::slice(shapeOf(getInput().getType()),
                          shape::Dims(offsets.begin(), offsets.end()),
                          shape::Dims(sizes.begin(), sizes.end())));
}

OpFoldResult SliceOp::fold(FoldAdaptor) {
  if (getInput().getType() == getType() &&
      llvm::all_of(getOffsets(), [](int64_t o) { return o == 0; }))
    return getInput();
  return {};
}

//===----------------------------------------------------------------------===//
// Gradients
//===----------------------------------------------------------------------===//

shape::ShapeResult Conv2DGradInputOp::inferShape(Type gradOut, Type filter,
                                                 ArrayRef<int64_t> strides,
                                                 ArrayRef<int64_t> dilations,
                                                 ArrayRef<int64_t> padding,
                                                 ArrayRef<int64_t> inputHW) {
  if (auto error = checkConv2DAttrs(strides, dilations, padding))
    return *error;
  if (auto error = firstError({checkArray("input_hw", inputHW, 2, 1)}))
    return *error;
  return shape::conv2dGradInput(
      shapeOf(gradOut), shapeOf(filter), {strides[0], strides[1]},
      {dilations[0], dilations[1]}, pads2D(padding), {inputHW[0], inputHW[1]});
}

LogicalResult Conv2DGradInputOp::verify() {
  return verifyResultShape(*this, inferShape(getGradOut().getType(),
                                             getFilter().getType(),
                                             getStrides(), getDilations(),
                                             getPadding(), getInputHw()));
}

shape::ShapeResult Conv2DGradFilterOp::inferShape(Type input, Type gradOut,
                                                  ArrayRef<int64_t> strides,
                                                  ArrayRef<int64_t> dilations,
                                                  ArrayRef<int64_t> padding,
                                                  ArrayRef<int64_t> kernelHW) {
  if (auto error = checkConv2DAttrs(strides, dilations, padding))
    return *error;
  if (auto error = firstError({checkArray("kernel_hw", kernelHW, 2, 1)}))
    return *error;
  return shape::conv2dGradFilter(shapeOf(input), shapeOf(gradOut),
                                 {strides[0], strides[1]},
                                 {dilations[0], dilations[1]}, pads2D(padding),
                                 {kernelHW[0], kernelHW[1]});
}

LogicalResult Conv2DGradFilterOp::verify() {
  return verifyResultShape(*this, inferShape(getInput().getType(),
                                             getGradOut().getType(),
                                             getStrides(), getDilations(),
                                             getPadding(), getKernelHw()));
}

shape::ShapeResult Conv1DGradInputOp::inferShape(Type gradOut, Type filter,
                                                 int64_t stride,
                                                 int64_t dilation,
                                                 ArrayRef<int64_t> padding,
                                                 int64_t inputW) {
  if (auto error = checkConv1DAttrs(stride, dilation, padding))
    return *error;
  if (auto error = firstError({checkAtLeast("input_w", inputW, 1)}))
    return *error;
  return shape::conv1dGradInput(shapeOf(gradOut), shapeOf(filter), stride,
                                dilation, pad1D(padding), inputW);
}

LogicalResult Conv1DGradInputOp::verify() {
  return verifyResultShape(
      *this, inferShape(getGradOut().getType(), getFilter().getType(),
                        getStride(), getDilation(), getPadding(), getInputW()));
}

shape::ShapeResult Conv1DGradFilterOp::inferShape(Type input, Type gradOut,
                                                  int64_t stride,
                                                  int64_t dilation,
                                                  ArrayRef<int64_t> padding,
                                                  int64_t kernelW) {
  if (auto error = checkConv1DAttrs(stride, dilation, padding))
    return *error;
  if (auto error = firstError({checkAtLeast("kernel_w", kernelW, 1)}))
    return *error;
  return shape::conv1dGradFilter(shapeOf(input), shapeOf(gradOut), stride,
                                 dilation, pad1D(padding), kernelW);
}

LogicalResult Conv1DGradFilterOp::verify() {
  return verifyResultShape(*this, inferShape(getInput().getType(),
                                             getGradOut().getType(),
                                             getStride(), getDilation(),
                                             getPadding(), getKernelW()));
}

LogicalResult DenseGradInputOp::verify() {
  return verifyResultShape(
      *this, shape::denseGradInput(shapeOf(getGradOut().getType()),
                                   shapeOf(getWeights().getType())));
}

LogicalResult DenseGradWeightsOp::verify() {
  return verifyResultShape(
      *this, shape::denseGradWeights(shapeOf(getInput().getType()),
                                     shapeOf(getGradOut().getType())));
}

LogicalResult BiasGradOp::verify() {
  return verifyResultShape(*this,
                           shape::biasGrad(shapeOf(getGradOut().getType())));
}

LogicalResult SoftmaxGradOp::verify() {
  return verifyShapeRule(*this, shape::softmax(shapeOf(getOutput().getType())));
}

shape::ShapeResult AvgPool2DGradOp::inferShape(Type gradOut,
                                               ArrayRef<int64_t> window,
                                               ArrayRef<int64_t> strides,
                                               ArrayRef<int64_t> padding,
                                               ArrayRef<int64_t> inputHW) {
  if (auto error = checkPool2DAttrs(window, strides, padding))
    return *error;
  if (auto error = firstError({checkArray("input_hw", inputHW, 2, 1)}))
    return *error;
  return shape::pool2dGradFromExtents(
      shapeOf(gradOut), {inputHW[0], inputHW[1]}, {window[0], window[1]},
      {strides[0], strides[1]}, pads2D(padding));
}

LogicalResult AvgPool2DGradOp::verify() {
  return verifyResultShape(*this, inferShape(getGradOut().getType(),
                                             getWindow(), getStrides(),
                                             getPadding(), getInputHw()));
}

shape::ShapeResult AvgPool1DGradOp::inferShape(Type gradOut, int64_t window,
                                               int64_t stride,
                                               ArrayRef<int64_t> padding,
                                               int64_t inputW) {
  if (auto error = checkPool1DAttrs(window, stride, padding))
    return *error;
  if (auto error = firstError({checkAtLeast("input_w", inputW, 1)}))
    return *error;
  return shape::pool1dGradFromExtents(shapeOf(gradOut), inputW, window, stride,
                                      pad1D(padding));
}

LogicalResult AvgPool1DGradOp::verify() {
  return verifyResultShape(*this,
                           inferShape(getGradOut().getType(), getWindow(),
                                      getStride(), getPadding(), getInputW()));
}

LogicalResult GlobalAvgPoolGradOp::verify() {
  ArrayRef<int64_t> inputShape = getInputShape();
  return verifyResultShape(
      *this,
      shape::globalPoolGrad(shapeOf(getGradOut().getType()),
                            shape::Dims(inputShape.begin(), inputShape.end())));
}

LogicalResult BatchNormTrainGradOp::verify() {
  if (failed(verifyPositive(*this, "epsilon", getEpsilonAttr())))
    return failure();
  return verifyShapeRule(*this,
                         shape::channelParam(shapeOf(getInput().getType()),
                                             shapeOf(getGamma().getType())),
                         "gamma");
}

LogicalResult SoftmaxCrossEntropyGradOp::verify() {
  return verifyShapeRule(*this,
                         shape::classification(shapeOf(getLogits().getType()),
                                               shapeOf(getLabels().getType())));
}

//===----------------------------------------------------------------------===//
// Optimizer updates
//===----------------------------------------------------------------------===//

LogicalResult SgdUpdateOp::verify() {
  if (failed(verifyUnitInterval(*this, "momentum", getMomentumAttr())))
    return failure();
  return verifyParameter(*this, getParam().getType());
}

LogicalResult AdamUpdateOp::verify() {
  if (failed(verifyUnitInterval(*this, "beta1", getBeta1Attr())) ||
      failed(verifyUnitInterval(*this, "beta2", getBeta2Attr())) ||
      failed(verifyPositive(*this, "epsilon", getEpsilonAttr())))
    return failure();
  return verifyParameter(*this, getParam().getType());
}

LogicalResult RmsPropUpdateOp::verify() {
  if (failed(verifyUnitInterval(*this, "rho", getRhoAttr())) ||
      failed(verifyPositive(*this, "epsilon", getEpsilonAttr())))
    return failure();
  return verifyParameter(*this, getParam().getType());
}

//===----------------------------------------------------------------------===//
// Inference preparation
//===----------------------------------------------------------------------===//

LogicalResult FoldScaleOp::verify() {
  if (failed(verifyPositive(*this, "epsilon", getEpsilonAttr())))
    return failure();
  return verifyShapeRule(*this,
                         shape::channelParam(shapeOf(getInput().getType()),
                                             shapeOf(getGamma().getType())),
                         "gamma");
}

//===----------------------------------------------------------------------===//
// Kernels
//===----------------------------------------------------------------------===//

LogicalResult KernelOp::verifyRegions() {
  // A kernel without results computes nothing anyone can read.
  if (getNumResults() == 0)
    return emitOpError() << "must have at least one result";
  Block &body = getBodyBlock();
  if (body.getNumArguments() != getInputs().size())
    return emitOpError() << "body has " << body.getNumArguments()
                         << " arguments but the kernel has "
                         << getInputs().size() << " inputs";
  for (auto [index, input, arg] :
       llvm::enumerate(getInputs(), body.getArguments()))
    if (input.getType() != arg.getType())
      return emitOpError() << "body argument #" << index << " has type "
                           << arg.getType() << " but input #" << index
                           << " has type " << input.getType();
  auto yield = dyn_cast<YieldOp>(body.getTerminator());
  if (!yield)
    return emitOpError() << "body must end with 'kiln.yield'";
  if (yield.getValues().size() != getNumResults())
    return yield.emitOpError()
           << "yields " << yield.getValues().size()
           << " values but the kernel has " << getNumResults() << " results";
  for (auto [index, value, result] :
       llvm::enumerate(yield.getValues(), getResults()))
    if (value.getType() != result.getType())
      return yield.emitOpError() << "value #" << index << " has type "
                                 << value.getType() << " but kernel result #"
                                 << index << " has type " << result.getType();
  return success();
}

#define GET_OP_CLASSES
#include "kiln/IR/KilnOps.cpp.inc"
