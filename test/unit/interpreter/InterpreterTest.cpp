//===- InterpreterTest.cpp - Running functions of kiln IR -----------------===//
//
// Whole functions: values computed by hand, func.call, arith.constant,
// kiln.kernel regions (in generic form, as kiln-fuse will emit them), the
// observer, signatures, and every error path, each with its message.
//
//===----------------------------------------------------------------------===//

#include "InterpreterTestUtil.h"

#include "kiln/Reference/Ops.h"

#include "mlir/IR/Location.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"
#include "mlir/Parser/Parser.h"

using namespace kiln;
using namespace kiln::interp;
using namespace kiln::interp::test;
using ref::Tensor;

namespace {

/// conv2d (2x2) + bias_add + relu + max_pool2d + flatten + dense + bias_add.
const char *kSmallNet = R"(
func.func @net(%x: tensor<?x3x3x1xf32>, %w: tensor<2x2x1x1xf32>, %b: tensor<1xf32>,
               %wd: tensor<1x2xf32>, %bd: tensor<2xf32>) -> tensor<?x2xf32> {
  %c = kiln.conv2d %x, %w : (tensor<?x3x3x1xf32>, tensor<2x2x1x1xf32>) -> tensor<?x2x2x1xf32>
  %cb = kiln.bias_add %c, %b : tensor<?x2x2x1xf32>, tensor<1xf32>
  %r = kiln.relu %cb : tensor<?x2x2x1xf32>
  %p = kiln.max_pool2d %r {window = array<i64: 2, 2>, strides = array<i64: 2, 2>}
      : tensor<?x2x2x1xf32> -> tensor<?x1x1x1xf32>
  %f = kiln.flatten %p : tensor<?x1x1x1xf32> -> tensor<?x1xf32>
  %d = kiln.dense %f, %wd : (tensor<?x1xf32>, tensor<1x2xf32>) -> tensor<?x2xf32>
  %y = kiln.bias_add %d, %bd : tensor<?x2xf32>, tensor<2xf32>
  return %y : tensor<?x2xf32>
}
)";

/// The inputs of kSmallNet: two 3x3 images and weights chosen so every
/// value can be followed by hand.
template <typename T> std::vector<RuntimeValue<T>> smallNetInputs() {
  return {
      Tensor<T>({2, 3, 3, 1},
                {1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 0, 2, 0, 3, 0, 4, 0}),
      Tensor<T>({2, 2, 1, 1}, {1, 0, 0, 1}), // out = x[i][j] + x[i+1][j+1]
      Tensor<T>({1}, {-7}),
      Tensor<T>({1, 2}, {0.5, -1}),
      Tensor<T>({2}, {1, 0}),
  };
}

/// Whole functions, in float and in double.
template <typename T> class InterpreterRun : public ::testing::Test {};
/// The element types the functions run in.
using ElementTypes = ::testing::Types<float, double>;
TYPED_TEST_SUITE(InterpreterRun, ElementTypes);

TYPED_TEST(InterpreterRun, SmallNetworkByHand) {
  using T = TypeParam;
  LoadedModule loaded = loadModule(kSmallNet);
  ASSERT_EQ(loaded.error, "");
  auto results = loaded.interpreter->run<T>("net", smallNetInputs<T>());
  ASSERT_TRUE(results.ok()) << results.error;
  ASSERT_EQ(results.value.size(), 1u);
  // Image 1: conv 6 8 12 14, - 7 -> -1 1 5 7, relu, max 7, dense 3.5 -7,
  // + bias -> 4.5 -7. Image 2: conv 0 4 6 0, - 7: all negative, relu 0,
  // dense 0 0, + bias -> 1 0.
  expectSameTensor(results.value[0], Tensor<T>({2, 2}, {4.5, -7, 1, 0}));
}

TYPED_TEST(InterpreterRun, CallsConstantsAndScalarConstants) {
  using T = TypeParam;
  LoadedModule loaded = loadModule(R"(
func.func @mix(%x: tensor<?x2xf32>, %w: tensor<2x2xf32>) -> tensor<?x2xf32> {
  %y = kiln.dense %x, %w : (tensor<?x2xf32>, tensor<2x2xf32>) -> tensor<?x2xf32>
  return %y : tensor<?x2xf32>
}
func.func @main(%x: tensor<?x2xf32>)
    -> (tensor<?x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<?x2xf32>) {
  %w = arith.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %y = func.call @mix(%x, %w) : (tensor<?x2xf32>, tensor<2x2xf32>) -> tensor<?x2xf32>
  %lr = arith.constant 0.5 : f32
  %p = arith.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %g = arith.constant dense<[2.0, -2.0]> : tensor<2xf32>
  %v = arith.constant dense<0.0> : tensor<2xf32>
  %p2, %v2 = kiln.sgd_update %p, %g, %v, %lr {momentum = 0.0 : f32} : tensor<2xf32>
  %step = arith.constant 3 : i64
  %seed = arith.constant 1 : i64
  %d, %mask = kiln.dropout %y, %step, %seed {rate = 0.5 : f32, stream = 2}
      : tensor<?x2xf32>
  return %y, %p2, %v2, %d : tensor<?x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<?x2xf32>
}
)");
  ASSERT_EQ(loaded.error, "");
  std::vector<RuntimeValue<T>> inputs = {Tensor<T>({3, 2}, {1, 1, 1, 0, 0, 1})};
  auto results = loaded.interpreter->run<T>("main", inputs);
  ASSERT_TRUE(results.ok()) << results.error;
  ASSERT_EQ(results.value.size(), 4u);
  Tensor<T> y({3, 2}, {4, 6, 1, 2, 3, 4});
  expectSameTensor(results.value[0], y, "call");
  expectSameTensor(results.value[1], Tensor<T>({2}, {0, 3}), "param");
  expectSameTensor(results.value[2], Tensor<T>({2}, {-1, 1}), "velocity");
  expectSameTensor(results.value[3], unwrap(ref::dropout(y, 3, 0.5, 1, 2)).y,
                   "dropout with a constant step and seed");
}

TYPED_TEST(InterpreterRun, ReturnsArgumentsAndOneValueTwice) {
  using T = TypeParam;
  LoadedModule loaded = loadModule(R"(
func.func @f(%x: tensor<2xf32>, %s: i64, %lr: f32)
    -> (tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, i64, f32) {
  %y = kiln.add %x, %x : tensor<2xf32>
  return %y, %x, %y, %s, %lr : tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, i64, f32
}
)");
  ASSERT_EQ(loaded.error, "");
  std::vector<RuntimeValue<T>> inputs = {Tensor<T>({2}, {1, -2}),
                                         RuntimeValue<T>::i64(5),
                                         RuntimeValue<T>::f32(0.25)};
  auto results = loaded.interpreter->run<T>("f", inputs);
  ASSERT_TRUE(results.ok()) << results.error;
  ASSERT_EQ(results.value.size(), 5u);
  expectSameTensor(results.value[0], Tensor<T>({2}, {2, -4}));
  expectSameTensor(results.value[1], Tensor<T>({2}, {1, -2}));
  expectSameTensor(results.value[2], Tensor<T>({2}, {2, -4}));
  EXPECT_EQ(results.value[3].getI64(), 5);
  EXPECT_EQ(results.value[4].getF32(), 0.25);
  // The caller's inputs are untouched.
  expectSameTensor(inputs[0], Tensor<T>({2}, {1, -2}));
}

/// A fused kernel as kiln-fuse emits it: isolated from above, its block
/// arguments are its operands, its terminator gives its results. In generic
/// form with KERNEL and YIELD standing for the op names (see KernelOps).
const char *kKernelModule = R"(
func.func @fused(%x: tensor<?x4x4x1xf32>, %w: tensor<2x2x1x2xf32>, %b: tensor<2xf32>,
                 %wd: tensor<18x3xf32>) -> (tensor<?x3xf32>, tensor<?x3x3x2xf32>) {
  %r = "KERNEL"(%x, %w, %b) ({
  ^bb0(%a: tensor<?x4x4x1xf32>, %c: tensor<2x2x1x2xf32>, %d: tensor<2xf32>):
    %0 = kiln.conv2d %a, %c : (tensor<?x4x4x1xf32>, tensor<2x2x1x2xf32>) -> tensor<?x3x3x2xf32>
    %1 = kiln.bias_add %0, %d : tensor<?x3x3x2xf32>, tensor<2xf32>
    %2 = kiln.relu %1 : tensor<?x3x3x2xf32>
    "YIELD"(%2) : (tensor<?x3x3x2xf32>) -> ()
  }) : (tensor<?x4x4x1xf32>, tensor<2x2x1x2xf32>, tensor<2xf32>) -> tensor<?x3x3x2xf32>
  %f = kiln.flatten %r : tensor<?x3x3x2xf32> -> tensor<?x18xf32>
  %y, %z = "KERNEL"(%f, %wd, %r) ({
  ^bb0(%a: tensor<?x18xf32>, %c: tensor<18x3xf32>, %e: tensor<?x3x3x2xf32>):
    %0 = kiln.dense %a, %c : (tensor<?x18xf32>, tensor<18x3xf32>) -> tensor<?x3xf32>
    %1 = kiln.add %e, %e : tensor<?x3x3x2xf32>
    "YIELD"(%0, %1) : (tensor<?x3xf32>, tensor<?x3x3x2xf32>) -> ()
  }) : (tensor<?x18xf32>, tensor<18x3xf32>, tensor<?x3x3x2xf32>) -> (tensor<?x3xf32>, tensor<?x3x3x2xf32>)
  return %y, %z : tensor<?x3xf32>, tensor<?x3x3x2xf32>
}
)";

} // namespace

/// A dialect holding a stand-in for kiln.kernel: the interpreter runs any
/// registered op isolated from above whose block takes its operands, so the
/// kernel support is tested before kiln.kernel is registered (and on the
/// real op as soon as it is: see KernelOps).
namespace kiln_interp_test {

/// kilntest.kernel: kiln.kernel's form, isolated from above.
class KernelOp
    : public mlir::Op<
          KernelOp, mlir::OpTrait::OneRegion, mlir::OpTrait::VariadicResults,
          mlir::OpTrait::VariadicOperands, mlir::OpTrait::IsIsolatedFromAbove> {
public:
  using Op::Op;
  static llvm::StringRef getOperationName() { return "kilntest.kernel"; }
  static llvm::ArrayRef<llvm::StringRef> getAttributeNames() { return {}; }
};

/// kilntest.yield: its terminator, return-like.
class YieldOp
    : public mlir::Op<YieldOp, mlir::OpTrait::ZeroRegions,
                      mlir::OpTrait::ZeroResults, mlir::OpTrait::ZeroSuccessors,
                      mlir::OpTrait::VariadicOperands,
                      mlir::OpTrait::ReturnLike, mlir::OpTrait::IsTerminator> {
public:
  using Op::Op;
  static llvm::StringRef getOperationName() { return "kilntest.yield"; }
  static llvm::ArrayRef<llvm::StringRef> getAttributeNames() { return {}; }
};

/// The dialect of the two stand-in ops.
class TestDialect : public mlir::Dialect {
public:
  explicit TestDialect(mlir::MLIRContext *context)
      : mlir::Dialect(getDialectNamespace(), context,
                      mlir::TypeID::get<TestDialect>()) {
    addOperations<KernelOp, YieldOp>();
  }
  static llvm::StringRef getDialectNamespace() { return "kilntest"; }
};

} // namespace kiln_interp_test

namespace {

/// The region ops the kernel tests run on: the stand-in always, kiln.kernel
/// once the dialect registers it.
struct KernelOps {
  const char *kernel;
  const char *yield;
};

/// Names the ops in test listings.
void PrintTo(const KernelOps &ops, std::ostream *os) { *os << ops.kernel; }

/// Runs the kernel cases on each kind of region op.
class KernelRegions : public ::testing::TestWithParam<KernelOps> {
protected:
  /// Parses `source` with KERNEL and YIELD replaced by the op names; skips
  /// the test when the op is not registered yet.
  LoadedModule load(std::string source) {
    LoadedModule loaded;
    loaded.context = std::make_unique<mlir::MLIRContext>();
    registerInterpreterDialects(*loaded.context);
    loaded.context->loadDialect<kiln_interp_test::TestDialect>();
    if (!mlir::RegisteredOperationName::lookup(GetParam().kernel,
                                               loaded.context.get())) {
      loaded.error = "skip";
      return loaded;
    }
    for (auto [from, to] :
         {std::pair<std::string, std::string>{
              "\"KERNEL\"", std::string("\"") + GetParam().kernel + "\""},
          {"\"YIELD\"", std::string("\"") + GetParam().yield + "\""}})
      for (size_t at; (at = source.find(from)) != std::string::npos;)
        source.replace(at, from.size(), to);
    auto module = parseModuleString(source, *loaded.context, "kernel.mlir");
    if (!module.ok()) {
      loaded.error = module.error;
      return loaded;
    }
    loaded.module = std::move(module.value);
    loaded.interpreter = std::make_unique<Interpreter>(loaded.module.get());
    return loaded;
  }

  /// Runs @f of `source` and returns its error, which the test expects.
  std::string runError(const std::string &source) {
    LoadedModule loaded = load(source);
    if (!loaded.error.empty())
      return "parse error: " + loaded.error;
    auto results =
        loaded.interpreter->run<float>("f", {Tensor<float>({2}, {1, 2})});
    EXPECT_FALSE(results.ok());
    return results.error;
  }
};

INSTANTIATE_TEST_SUITE_P(
    Interpreter, KernelRegions,
    ::testing::Values(KernelOps{"kilntest.kernel", "kilntest.yield"},
                      KernelOps{"kiln.kernel", "kiln.yield"}),
    [](const ::testing::TestParamInfo<KernelOps> &info) {
      return std::string(info.param.kernel) == "kiln.kernel" ? "KilnKernel"
                                                             : "StandIn";
    });

TEST_P(KernelRegions, RunOnTheirOperands) {
  LoadedModule loaded = load(kKernelModule);
  if (loaded.error == "skip")
    GTEST_SKIP() << GetParam().kernel << " is not registered yet";
  ASSERT_EQ(loaded.error, "");
  Tensor<double> x = random<double>({2, 4, 4, 1}, 1),
                 w = random<double>({2, 2, 1, 2}, 2),
                 b = random<double>({2}, 3), wd = random<double>({18, 3}, 4);
  std::vector<std::string> executed;
  OpObserver<double> observer =
      [&](mlir::Operation *op,
          llvm::ArrayRef<const RuntimeValue<double> *> operands,
          llvm::ArrayRef<RuntimeValue<double>> results) {
        executed.push_back(op->getName().stripDialect().str() + "/" +
                           std::to_string(operands.size()) + "/" +
                           std::to_string(results.size()));
      };
  auto results =
      loaded.interpreter->run<double>("fused", {x, w, b, wd}, observer);
  ASSERT_TRUE(results.ok()) << results.error;
  ASSERT_EQ(results.value.size(), 2u);

  Tensor<double> r = unwrap(ref::relu(
      unwrap(ref::biasAdd(unwrap(ref::conv2d(x, w, {1, 1}, {1, 1}, {})), b))));
  expectSameTensor(results.value[0],
                   unwrap(ref::dense(unwrap(ref::flatten(r)), wd)), "dense");
  expectSameTensor(results.value[1], unwrap(ref::add(r, r)), "add");
  // The observer sees the ops inside each kernel, then the kernel itself.
  std::vector<std::string> expected = {
      "conv2d/2/1",  "bias_add/2/1", "relu/1/1", "kernel/3/1",
      "flatten/1/1", "dense/2/1",    "add/2/1",  "kernel/3/2"};
  EXPECT_EQ(executed, expected);
}

TEST_P(KernelRegions, MalformedRegionsAreErrors) {
  if (load("").error == "skip")
    GTEST_SKIP() << GetParam().kernel << " is not registered yet";
  // The interpreter refuses a malformed region with a message; kiln.kernel's
  // own verifier refuses it earlier, when the module is parsed.
  auto expectRefused = [&](const std::string &source,
                           const std::string &message) {
    std::string error = runError(source);
    if (std::string(GetParam().kernel) == "kiln.kernel")
      EXPECT_EQ(error.rfind("parse error: kernel.mlir:", 0), 0u) << error;
    else
      EXPECT_EQ(error, "kernel.mlir:3:8: error: kilntest.kernel: " + message);
  };
  expectRefused(R"(
func.func @f(%x: tensor<2xf32>) -> tensor<2xf32> {
  %r = "KERNEL"(%x) ({
  ^bb0(%a: tensor<2xf32>, %b: tensor<2xf32>):
    "YIELD"(%a) : (tensor<2xf32>) -> ()
  }) : (tensor<2xf32>) -> tensor<2xf32>
  return %r : tensor<2xf32>
})",
                "its region has 2 block arguments for 1 operands");
  expectRefused(R"(
func.func @f(%x: tensor<2xf32>) -> tensor<2xf32> {
  %r = "KERNEL"(%x) ({
  ^bb0(%a: tensor<2xf32>):
    "YIELD"(%a, %a) : (tensor<2xf32>, tensor<2xf32>) -> ()
  }) : (tensor<2xf32>) -> tensor<2xf32>
  return %r : tensor<2xf32>
})",
                "its region must end in kiln.yield of its 1 results");
  expectRefused(R"(
func.func @f(%x: tensor<2xf32>) -> tensor<2xf32> {
  %r = "KERNEL"(%x) ({
  ^bb0(%a: tensor<3xf32>):
    "YIELD"(%a) : (tensor<3xf32>) -> ()
  }) : (tensor<2xf32>) -> tensor<2xf32>
  return %r : tensor<2xf32>
})",
                "block argument #0 expects tensor<3xf32>, got tensor<2xf32>");
}

/// Runs @f of `source` on `inputs` and returns the error, which the test
/// expects.
template <typename T>
std::string runError(const std::string &source,
                     const std::vector<RuntimeValue<T>> &inputs,
                     const std::string &func = "f") {
  LoadedModule loaded = loadModule(source, "test.mlir", true);
  if (!loaded.error.empty())
    return "parse error: " + loaded.error;
  auto results = loaded.interpreter->run<T>(func, inputs);
  EXPECT_FALSE(results.ok());
  return results.error;
}

TEST(InterpreterErrors, ReferenceErrorsCarryTheOpsLocation) {
  // The batch is dynamic, so the verifier cannot see the mismatch; the
  // reference reports it when the op runs.
  std::string error =
      runError<float>(R"(
func.func @f(%a: tensor<?x3xf32>, %b: tensor<?x3xf32>) -> tensor<?x3xf32> {
  %y = kiln.relu %a : tensor<?x3xf32>
  %z = kiln.add %y, %b : tensor<?x3xf32>
  return %z : tensor<?x3xf32>
})",
                      {Tensor<float>({2, 3}), Tensor<float>({3, 3})});
  EXPECT_EQ(error.rfind("test.mlir:4:8: error: kiln.add: ", 0), 0u) << error;
  EXPECT_NE(error.find("2x3"), std::string::npos) << error;
  EXPECT_NE(error.find("3x3"), std::string::npos) << error;
}

TEST(InterpreterErrors, LocationsAreFoundInsideFusedAndNamedLocations) {
  std::string error =
      runError<float>(R"(
func.func @f(%a: tensor<?x3xf32>, %b: tensor<?x3xf32>) -> tensor<?x3xf32> {
  %z = kiln.add %a, %b : tensor<?x3xf32> loc(fused["model.kiln":12:5, "add"("other.kiln":1:1)])
  return %z : tensor<?x3xf32>
})",
                      {Tensor<float>({2, 3}), Tensor<float>({3, 3})});
  EXPECT_EQ(error.rfind("model.kiln:12:5: error: kiln.add: ", 0), 0u) << error;
  mlir::MLIRContext context;
  EXPECT_EQ(formatLocation(mlir::NameLoc::get(
                mlir::StringAttr::get(&context, "conv"),
                mlir::FileLineColLoc::get(&context, "net.kiln", 3, 7))),
            "net.kiln:3:7");
  EXPECT_EQ(formatLocation(mlir::UnknownLoc::get(&context)), "");
}

TEST(InterpreterErrors, UnsupportedOpsAndConstants) {
  EXPECT_EQ(runError<float>(R"(
func.func @f(%a: f32) -> f32 {
  %y = arith.addf %a, %a : f32
  return %y : f32
})",
                            {RuntimeValue<float>::f32(1)}),
            "test.mlir:3:8: error: arith.addf: unsupported op (the "
            "interpreter runs kiln ops, kiln.kernel regions, func.call, "
            "func.return and arith.constant)");
  EXPECT_EQ(runError<float>(R"(
func.func @f(%x: tensor<2xf32>) -> tensor<2xf32> {
  %c = arith.constant 1.0 : f64
  return %x : tensor<2xf32>
})",
                            {Tensor<float>({2})}),
            "test.mlir:3:8: error: arith.constant: constant of type f64 is "
            "not supported (dense f32 tensors, f32 and i64 are)");
}

TEST(InterpreterErrors, ErrorsInCalleesNameTheCall) {
  std::string error =
      runError<float>(R"(
func.func @g(%a: tensor<?x3xf32>, %b: tensor<?x3xf32>) -> tensor<?x3xf32> {
  %z = kiln.mul %a, %b : tensor<?x3xf32>
  return %z : tensor<?x3xf32>
}
func.func @f(%a: tensor<?x3xf32>, %b: tensor<?x3xf32>) -> tensor<?x3xf32> {
  %z = func.call @g(%a, %b) : (tensor<?x3xf32>, tensor<?x3xf32>) -> tensor<?x3xf32>
  return %z : tensor<?x3xf32>
})",
                      {Tensor<float>({2, 3}), Tensor<float>({1, 3})});
  EXPECT_EQ(error.rfind("test.mlir:3:8: error: kiln.mul: ", 0), 0u) << error;
  EXPECT_NE(error.find("\ntest.mlir:7:8: note: in the call to @g"),
            std::string::npos)
      << error;
}

TEST(InterpreterErrors, RecursionAndDeclarations) {
  std::string error = runError<float>(R"(
func.func @f(%a: tensor<2xf32>) -> tensor<2xf32> {
  %z = func.call @f(%a) : (tensor<2xf32>) -> tensor<2xf32>
  return %z : tensor<2xf32>
})",
                                      {Tensor<float>({2})});
  EXPECT_EQ(error.rfind("test.mlir:2:1: error: @f: calls nest deeper than 64 "
                        "(is it recursive?)",
                        0),
            0u)
      << error;
  error = runError<float>(R"(
func.func private @ext(%a: tensor<2xf32>) -> tensor<2xf32>
func.func @f(%a: tensor<2xf32>) -> tensor<2xf32> {
  %z = func.call @ext(%a) : (tensor<2xf32>) -> tensor<2xf32>
  return %z : tensor<2xf32>
})",
                          {Tensor<float>({2})});
  EXPECT_EQ(error.rfind("test.mlir:2:1: error: @ext is a declaration without "
                        "a body",
                        0),
            0u)
      << error;
}

TEST(InterpreterErrors, InputsMustFitTheSignature) {
  LoadedModule loaded = loadModule(R"(
func.func @f(%x: tensor<?x3xf32>, %w: tensor<3x2xf32> {kiln.name = "dense/kernel"},
             %step: i64) -> tensor<?x2xf32> {
  %y = kiln.dense %x, %w : (tensor<?x3xf32>, tensor<3x2xf32>) -> tensor<?x2xf32>
  return %y : tensor<?x2xf32>
}
func.func @g(%x: tensor<2xf32>) -> tensor<2xf32> {
  return %x : tensor<2xf32>
})");
  ASSERT_EQ(loaded.error, "");
  const Interpreter &interpreter = *loaded.interpreter;
  Tensor<float> x({4, 3}), w({3, 2});
  auto run = [&](std::vector<RuntimeValue<float>> inputs,
                 const char *name = "f") {
    auto results = interpreter.run<float>(name, inputs);
    EXPECT_FALSE(results.ok());
    return results.error;
  };
  EXPECT_EQ(run({x, w}), "@f: takes 3 arguments, got 2");
  EXPECT_EQ(run({x, Tensor<float>({2, 3}), RuntimeValue<float>::i64(1)}),
            "@f: argument #1 (dense/kernel) expects tensor<3x2xf32>, got "
            "tensor<2x3xf32>");
  EXPECT_EQ(run({Tensor<float>({4, 3, 1}), w, RuntimeValue<float>::i64(1)}),
            "@f: argument #0 expects tensor<?x3xf32>, got tensor<4x3x1xf32>");
  EXPECT_EQ(run({x, w, RuntimeValue<float>::f32(1)}),
            "@f: argument #2 expects i64, got f32");
  EXPECT_EQ(run({x, w, x}), "@f: argument #2 expects i64, got tensor<4x3xf32>");
  // A tensor whose buffer does not match its shape.
  EXPECT_EQ(
      run({Tensor<float>({4, 3}, {1, 2}), w, RuntimeValue<float>::i64(1)}),
      "@f: argument #0 value: shape 4x3 needs 12 elements but the "
      "buffer holds 2");
  EXPECT_EQ(run({x}, "h"), "no function @h in the module (it has @f, @g)");
}

TEST(InterpreterErrors, ModulesThatDoNotVerifyAreRefused) {
  mlir::MLIRContext context;
  registerInterpreterDialects(context);
  // Parsed without verification: the result type breaks relu's rule.
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceString<mlir::ModuleOp>(
          R"(
func.func @f(%x: tensor<2xf32>) -> tensor<3xf32> {
  %y = "kiln.relu"(%x) : (tensor<2xf32>) -> tensor<3xf32>
  return %y : tensor<3xf32>
})",
          mlir::ParserConfig(&context, /*verifyAfterParse=*/false), "bad.mlir");
  ASSERT_TRUE(module);
  Interpreter interpreter(module.get());
  EXPECT_EQ(
      interpreter.error().rfind("bad.mlir:3:8: error: 'kiln.relu' op ", 0), 0u)
      << interpreter.error();
  auto results = interpreter.run<float>("f", {Tensor<float>({2})});
  EXPECT_FALSE(results.ok());
  EXPECT_EQ(results.error, interpreter.error());
}

TEST(InterpreterErrors, ParseErrorsNameTheFile) {
  mlir::MLIRContext context;
  registerInterpreterDialects(context);
  auto module = parseModuleString("func.func @f() {\n  %x = kiln.bogus\n}",
                                  context, "broken.mlir");
  ASSERT_FALSE(module.ok());
  EXPECT_EQ(module.error.rfind("broken.mlir:2:", 0), 0u) << module.error;
  auto missing = parseModuleFile("/nonexistent/net.mlir", context);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error.rfind("/nonexistent/net.mlir: ", 0), 0u)
      << missing.error;
}

TEST(InterpreterSignature, RolesNamesAndScalarKinds) {
  LoadedModule loaded = loadModule(R"(
func.func @f(%x: tensor<?x28x28x1xf32> {kiln.role = "input"},
             %step: i64 {kiln.role = "step"}, %lr: f32 {kiln.role = "lr"},
             %w: tensor<3x3x1x2xf32> {kiln.role = "param", kiln.name = "conv2d/kernel",
                                      kiln.init = "he_normal"})
    -> (tensor<f32> {kiln.role = "loss"}) {
  %y = kiln.l2_penalty %w {scale = 1.0 : f32} : tensor<3x3x1x2xf32>
  return %y : tensor<f32>
}
func.func @bad(%x: tensor<2xf64>) {
  return
})");
  ASSERT_EQ(loaded.error, "");
  auto sig = loaded.interpreter->signature("f");
  ASSERT_TRUE(sig.ok()) << sig.error;
  ASSERT_EQ(sig.value.arguments.size(), 4u);
  EXPECT_EQ(sig.value.arguments[0].dims, (ref::Dims{-1, 28, 28, 1}));
  EXPECT_EQ(sig.value.arguments[0].role, "input");
  EXPECT_EQ(sig.value.arguments[0].typeString(), "tensor<?x28x28x1xf32>");
  EXPECT_EQ(sig.value.arguments[1].kind, ValueKind::I64);
  EXPECT_EQ(sig.value.arguments[2].kind, ValueKind::F32);
  EXPECT_EQ(sig.value.arguments[3].name, "conv2d/kernel");
  EXPECT_EQ(sig.value.arguments[3].init, "he_normal");
  EXPECT_EQ(sig.value.arguments[3].describe("argument", 3),
            "argument #3 (conv2d/kernel)");
  ASSERT_EQ(sig.value.results.size(), 1u);
  EXPECT_EQ(sig.value.results[0].role, "loss");
  EXPECT_TRUE(sig.value.results[0].dims.empty());
  auto bad = loaded.interpreter->signature("bad");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error, "@bad: argument #0: type tensor<2xf64> has no runtime "
                       "value (the interpreter handles ranked f32 tensors, "
                       "f32 and i64)");
}

TEST(RuntimeValue, ScalarsAndTypes) {
  // An f32 scalar holds its float value, also in a double run.
  EXPECT_EQ(RuntimeValue<double>::f32(0.1).getF32(), double(0.1f));
  EXPECT_EQ(RuntimeValue<double>::f32(0.1).typeString(), "f32");
  EXPECT_EQ(RuntimeValue<float>::i64(-3).getI64(), -3);
  EXPECT_EQ(RuntimeValue<float>::i64(-3).typeString(), "i64");
  EXPECT_EQ(RuntimeValue<float>(Tensor<float>::scalar(2)).typeString(),
            "tensor<f32>");
  EXPECT_EQ(RuntimeValue<float>(Tensor<float>({4, 0})).typeString(),
            "tensor<4x0xf32>");
}

} // namespace
