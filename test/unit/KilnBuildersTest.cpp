//===- KilnBuildersTest.cpp - Tests of the kiln ops' inferring builders ---===//
//
// Every kiln op has a builder that infers its result types from the shape
// rule, so MLIRGen and autodiff never compute a type themselves. These tests
// build each op that way, check the inferred types, and check that a builder
// given inconsistent operands still builds an op whose verifier reports the
// rule's message (no abort).
//
//===----------------------------------------------------------------------===//

#include "kiln/IR/KilnDialect.h"
#include "kiln/IR/KilnOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"

#include <gtest/gtest.h>

using namespace mlir;

namespace {

/// A function whose arguments are the operands an op under test needs, and
/// a builder positioned in its body.
class KilnBuilders : public ::testing::Test {
protected:
  KilnBuilders() : builder(&context) {
    context.loadDialect<kiln::KilnDialect, func::FuncDialect>();
    module = ModuleOp::create(builder.getUnknownLoc());
  }

  /// Starts a function with arguments of `types` and returns them.
  SmallVector<Value> args(ArrayRef<Type> types) {
    builder.setInsertionPointToEnd(module->getBody());
    auto fn = builder.create<func::FuncOp>(builder.getUnknownLoc(),
                                           "f" + std::to_string(count++),
                                           builder.getFunctionType(types, {}));
    Block *entry = fn.addEntryBlock();
    builder.setInsertionPointToEnd(entry);
    builder.create<func::ReturnOp>(builder.getUnknownLoc());
    builder.setInsertionPointToStart(entry);
    return SmallVector<Value>(entry->getArguments());
  }

  /// An f32 tensor type; kDynamic marks the batch.
  RankedTensorType t(ArrayRef<int64_t> shape) {
    return RankedTensorType::get(shape, builder.getF32Type());
  }

  Location loc() { return builder.getUnknownLoc(); }

  /// Verifies the module, collecting the diagnostics' messages.
  LogicalResult verifyModule(std::string &messages) {
    ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
      messages += diag.str() + "\n";
      return success();
    });
    return verify(*module);
  }

  static constexpr int64_t kDyn = ShapedType::kDynamic;

  MLIRContext context;
  OpBuilder builder;
  OwningOpRef<ModuleOp> module;
  int count = 0;
};

// Tests report 000's forward network built with inferring builders only: the
// types come out as Keras gives them and the module verifies.
TEST_F(KilnBuilders, Report000Forward) {
  auto a =
      args({t({kDyn, 28, 28, 1}), t({3, 3, 1, 32}), t({32}), t({3, 3, 32, 64}),
            t({3, 3, 64, 64}), t({576, 64}), t({64, 10})});
  // Owning arrays: an ArrayRef of a braced list would dangle.
  const SmallVector<int64_t> one{1, 1}, two{2, 2}, none{0, 0, 0, 0};
  Value x = builder.create<kiln::Conv2DOp>(loc(), a[0], a[1], one, one, none);
  EXPECT_EQ(x.getType(), t({kDyn, 26, 26, 32}));
  x = builder.create<kiln::BiasAddOp>(loc(), x, a[2]);
  x = builder.create<kiln::ReluOp>(loc(), x);
  x = builder.create<kiln::MaxPool2DOp>(loc(), x, two, two, none);
  EXPECT_EQ(x.getType(), t({kDyn, 13, 13, 32}));
  x = builder.create<kiln::Conv2DOp>(loc(), x, a[3], one, one, none);
  x = builder.create<kiln::MaxPool2DOp>(loc(), x, two, two, none);
  EXPECT_EQ(x.getType(), t({kDyn, 5, 5, 64}));
  x = builder.create<kiln::Conv2DOp>(loc(), x, a[4], one, one, none);
  x = builder.create<kiln::FlattenOp>(loc(), x);
  EXPECT_EQ(x.getType(), t({kDyn, 576}));
  x = builder.create<kiln::DenseOp>(loc(), x, a[5]);
  EXPECT_EQ(x.getType(), t({kDyn, 64}));
  x = builder.create<kiln::DenseOp>(loc(), x, a[6]);
  x = builder.create<kiln::SoftmaxOp>(loc(), x);
  EXPECT_EQ(x.getType(), t({kDyn, 10}));
  std::string messages;
  EXPECT_TRUE(succeeded(verifyModule(messages))) << messages;
}

// Tests that the reshape builder resolves a -1 extent into the attribute.
TEST_F(KilnBuilders, ReshapeResolvesInferredExtent) {
  auto a = args({t({kDyn, 784})});
  auto reshape =
      builder.create<kiln::ReshapeOp>(loc(), a[0], ArrayRef<int64_t>{28, -1});
  EXPECT_EQ(reshape.getType(), t({kDyn, 28, 28}));
  EXPECT_EQ(reshape.getShape(), ArrayRef<int64_t>({28, 28}));
  std::string messages;
  EXPECT_TRUE(succeeded(verifyModule(messages))) << messages;
}

// Tests every remaining forward, loss and metric builder.
TEST_F(KilnBuilders, ForwardAndLosses) {
  auto a = args({t({kDyn, 28, 28}), t({2, 28, 8}), t({kDyn, 8, 8, 4}), t({4}),
                 t({kDyn, 10}), t({3, 3, 4, 4}), builder.getI64Type()});
  Value c1 = builder.create<kiln::Conv1DOp>(loc(), a[0], a[1], 1, 1,
                                            ArrayRef<int64_t>{0, 1});
  EXPECT_EQ(c1.getType(), t({kDyn, 28, 8}));
  Value p1 = builder.create<kiln::AvgPool1DOp>(loc(), c1, 2, 2,
                                               ArrayRef<int64_t>{0, 0});
  EXPECT_EQ(p1.getType(), t({kDyn, 14, 8}));
  Value m1 = builder.create<kiln::MaxPool1DOp>(loc(), p1, 3, 1,
                                               ArrayRef<int64_t>{1, 1});
  EXPECT_EQ(m1.getType(), t({kDyn, 14, 8}));
  EXPECT_EQ(builder.create<kiln::GlobalAvgPoolOp>(loc(), m1).getType(),
            t({kDyn, 8}));
  Value x = a[2];
  Value avg = builder.create<kiln::AvgPool2DOp>(
      loc(), x, ArrayRef<int64_t>{3, 3}, ArrayRef<int64_t>{1, 1},
      ArrayRef<int64_t>{1, 1, 1, 1});
  EXPECT_EQ(avg.getType(), x.getType());
  auto bn = builder.create<kiln::BatchNormTrainOp>(loc(), x, a[3], a[3], 1e-3f);
  EXPECT_EQ(bn.getOutput().getType(), x.getType());
  EXPECT_EQ(bn.getBatchMean().getType(), t({4}));
  EXPECT_EQ(bn.getBatchVar().getType(), t({4}));
  builder.create<kiln::BatchNormInferOp>(loc(), x, a[3], a[3], a[3], a[3],
                                         1e-3f);
  builder.create<kiln::MovingAverageOp>(loc(), a[3], bn.getBatchMean(), 0.99f);
  auto drop = builder.create<kiln::DropoutOp>(loc(), x, a[6], a[6], 0.25f, 1);
  EXPECT_EQ(drop.getMask().getType(), x.getType());
  Value sum = builder.create<kiln::AddOp>(loc(), x, drop.getOutput());
  builder.create<kiln::MulOp>(loc(), sum, drop.getMask());
  Value cat = builder.create<kiln::ConcatOp>(loc(), ValueRange{x, sum}, -1);
  EXPECT_EQ(cat.getType(), t({kDyn, 8, 8, 8}));
  Value pad =
      builder.create<kiln::ZeroPadOp>(loc(), x, ArrayRef<int64_t>{1, 2, 0, 3});
  EXPECT_EQ(pad.getType(), t({kDyn, 11, 11, 4}));
  Value unpadded = builder.create<kiln::SliceOp>(
      loc(), pad, ArrayRef<int64_t>{1, 0, 0}, ArrayRef<int64_t>{8, 8, 4});
  EXPECT_EQ(unpadded.getType(), x.getType());
  for (Value act : {builder.create<kiln::GeluOp>(loc(), x).getResult(),
                    builder.create<kiln::SigmoidOp>(loc(), x).getResult(),
                    builder.create<kiln::TanhOp>(loc(), x).getResult()})
    EXPECT_EQ(act.getType(), x.getType());
  Type scalar = RankedTensorType::get({}, builder.getF32Type());
  EXPECT_EQ(
      builder.create<kiln::SoftmaxCrossEntropyOp>(loc(), a[4], a[4]).getType(),
      scalar);
  EXPECT_EQ(builder.create<kiln::CorrectCountOp>(loc(), a[4], a[4]).getType(),
            scalar);
  EXPECT_EQ(builder.create<kiln::L2PenaltyOp>(loc(), a[5], 1e-3f).getType(),
            scalar);
  EXPECT_EQ(builder.create<kiln::L1PenaltyOp>(loc(), a[5], 1e-3f).getType(),
            scalar);
  std::string messages;
  EXPECT_TRUE(succeeded(verifyModule(messages))) << messages;
}

// Tests every gradient builder against the forward shapes it inverts.
TEST_F(KilnBuilders, Gradients) {
  auto a = args({t({kDyn, 28, 28, 1}), t({3, 3, 1, 8}), t({kDyn, 14, 14, 8}),
                 t({kDyn, 28, 28}), t({2, 28, 6}), t({kDyn, 27, 6}),
                 t({kDyn, 100}), t({100, 10}), t({kDyn, 10}), t({8})});
  const SmallVector<int64_t> one{1, 1}, two{2, 2}, same{0, 1, 0, 1};
  Value gi = builder.create<kiln::Conv2DGradInputOp>(
      loc(), a[2], a[1], two, one, same, ArrayRef<int64_t>{28, 28});
  EXPECT_EQ(gi.getType(), a[0].getType());
  Value gf = builder.create<kiln::Conv2DGradFilterOp>(
      loc(), a[0], a[2], two, one, same, ArrayRef<int64_t>{3, 3});
  EXPECT_EQ(gf.getType(), a[1].getType());
  Value gi1 = builder.create<kiln::Conv1DGradInputOp>(
      loc(), a[5], a[4], 1, 1, ArrayRef<int64_t>{0, 0}, 28);
  EXPECT_EQ(gi1.getType(), a[3].getType());
  Value gf1 = builder.create<kiln::Conv1DGradFilterOp>(
      loc(), a[3], a[5], 1, 1, ArrayRef<int64_t>{0, 0}, 2);
  EXPECT_EQ(gf1.getType(), a[4].getType());
  EXPECT_EQ(builder.create<kiln::DenseGradInputOp>(loc(), a[8], a[7]).getType(),
            a[6].getType());
  EXPECT_EQ(
      builder.create<kiln::DenseGradWeightsOp>(loc(), a[6], a[8]).getType(),
      a[7].getType());
  EXPECT_EQ(builder.create<kiln::BiasGradOp>(loc(), a[2]).getType(), t({8}));
  for (Value g :
       {builder.create<kiln::ReluGradOp>(loc(), a[8], a[8]).getResult(),
        builder.create<kiln::GeluGradOp>(loc(), a[8], a[8]).getResult(),
        builder.create<kiln::SigmoidGradOp>(loc(), a[8], a[8]).getResult(),
        builder.create<kiln::TanhGradOp>(loc(), a[8], a[8]).getResult(),
        builder.create<kiln::SoftmaxGradOp>(loc(), a[8], a[8]).getResult(),
        builder.create<kiln::SoftmaxCrossEntropyGradOp>(loc(), a[8], a[8])
            .getResult()})
    EXPECT_EQ(g.getType(), a[8].getType());
  Value pooled = builder.create<kiln::MaxPool2DOp>(
      loc(), a[2], two, two, ArrayRef<int64_t>{0, 0, 0, 0});
  EXPECT_EQ(builder
                .create<kiln::MaxPool2DGradOp>(loc(), pooled, a[2], two, two,
                                               ArrayRef<int64_t>{0, 0, 0, 0})
                .getType(),
            a[2].getType());
  EXPECT_EQ(builder
                .create<kiln::AvgPool2DGradOp>(loc(), pooled, two, two,
                                               ArrayRef<int64_t>{0, 0, 0, 0},
                                               ArrayRef<int64_t>{14, 15})
                .getType(),
            t({kDyn, 14, 15, 8}));
  Value pooled1 = builder.create<kiln::MaxPool1DOp>(loc(), a[5], 2, 2,
                                                    ArrayRef<int64_t>{0, 0});
  EXPECT_EQ(builder
                .create<kiln::MaxPool1DGradOp>(loc(), pooled1, a[5], 2, 2,
                                               ArrayRef<int64_t>{0, 0})
                .getType(),
            a[5].getType());
  EXPECT_EQ(builder
                .create<kiln::AvgPool1DGradOp>(loc(), pooled1, 2, 2,
                                               ArrayRef<int64_t>{0, 0}, 27)
                .getType(),
            a[5].getType());
  Value channels = builder.create<kiln::GlobalAvgPoolOp>(loc(), a[2]);
  EXPECT_EQ(builder
                .create<kiln::GlobalAvgPoolGradOp>(loc(), channels,
                                                   ArrayRef<int64_t>{14, 14, 8})
                .getType(),
            a[2].getType());
  auto bn = builder.create<kiln::BatchNormTrainGradOp>(loc(), a[2], a[2], a[9],
                                                       a[9], a[9], 1e-3f);
  EXPECT_EQ(bn.getGradIn().getType(), a[2].getType());
  EXPECT_EQ(bn.getGradGamma().getType(), a[9].getType());
  EXPECT_EQ(bn.getGradBeta().getType(), a[9].getType());
  EXPECT_EQ(builder.create<kiln::L2PenaltyGradOp>(loc(), a[7], 1e-3f).getType(),
            a[7].getType());
  EXPECT_EQ(builder.create<kiln::L1PenaltyGradOp>(loc(), a[7], 1e-3f).getType(),
            a[7].getType());
  std::string messages;
  EXPECT_TRUE(succeeded(verifyModule(messages))) << messages;
}

// Tests the optimizer update builders: each new state has the parameter's
// type.
TEST_F(KilnBuilders, OptimizerUpdates) {
  auto a = args({t({100, 10}), builder.getF32Type(), builder.getI64Type()});
  Value p = a[0];
  auto sgd =
      builder.create<kiln::SgdUpdateOp>(loc(), p, p, p, a[1], 0.9f, true);
  EXPECT_EQ(sgd.getNewParam().getType(), p.getType());
  EXPECT_EQ(sgd.getNewVelocity().getType(), p.getType());
  EXPECT_TRUE(sgd.getNesterov());
  auto adam = builder.create<kiln::AdamUpdateOp>(loc(), p, p, p, p, a[1], a[2],
                                                 0.9f, 0.999f, 1e-7f);
  EXPECT_EQ(adam.getNewV().getType(), p.getType());
  auto rms =
      builder.create<kiln::RmsPropUpdateOp>(loc(), p, p, p, a[1], 0.9f, 1e-7f);
  EXPECT_EQ(rms.getNewMs().getType(), p.getType());
  std::string messages;
  EXPECT_TRUE(succeeded(verifyModule(messages))) << messages;
}

// Tests that a builder given operands the rule rejects still builds the op
// (no abort), and that verification then reports the rule's message.
TEST_F(KilnBuilders, InconsistentOperandsReachTheVerifier) {
  auto a = args({t({kDyn, 28, 28, 3}), t({3, 3, 1, 32})});
  builder.create<kiln::Conv2DOp>(loc(), a[0], a[1], ArrayRef<int64_t>{1, 1},
                                 ArrayRef<int64_t>{1, 1},
                                 ArrayRef<int64_t>{0, 0, 0, 0});
  std::string messages;
  EXPECT_TRUE(failed(verifyModule(messages)));
  EXPECT_NE(messages.find("input has 3 channels but the filter expects 1"),
            std::string::npos)
      << messages;
}

// Tests that a bad attribute given to a builder is reported, not asserted.
TEST_F(KilnBuilders, BadAttributesReachTheVerifier) {
  auto a = args({t({kDyn, 8, 8, 4}), builder.getI64Type()});
  builder.create<kiln::MaxPool2DOp>(loc(), a[0], ArrayRef<int64_t>{2},
                                    ArrayRef<int64_t>{2, 2},
                                    ArrayRef<int64_t>{0, 0, 0, 0});
  builder.create<kiln::DropoutOp>(loc(), a[0], a[1], a[1], 1.5f, 0);
  std::string messages;
  EXPECT_TRUE(failed(verifyModule(messages)));
  EXPECT_NE(messages.find("'window' must have 2 elements, got 1"),
            std::string::npos)
      << messages;
}

} // namespace
