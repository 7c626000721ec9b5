//===- ShapeRulesTest.cpp - Tests of the shared shape rules ---------------===//

#include "kiln/Shape/ShapeRules.h"

#include <gtest/gtest.h>

using namespace kiln::shape;

namespace {

// Tests that a valid 3x3 conv shrinks each spatial extent by two and keeps a
// dynamic batch dynamic (report 000's first layer).
TEST(ShapeRules, Conv2DValid) {
  ShapeResult r = conv2d({kDynamic, 28, 28, 1}, {3, 3, 1, 32}, {1, 1}, {1, 1},
                         {Pad{}, Pad{}});
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.dims, (Dims{kDynamic, 26, 26, 32}));
}

// Tests that Keras' 'same' padding keeps the extent at stride 1 and gives
// ceil(in/stride) at stride 2, with the odd pad element after.
TEST(ShapeRules, SamePadding) {
  Pad p = samePadding(28, 3, 1, 1);
  EXPECT_EQ(p.before, 1);
  EXPECT_EQ(p.after, 1);
  ShapeResult r = conv2d({8, 28, 28, 1}, {3, 3, 1, 4}, {2, 2}, {1, 1},
                         {samePadding(28, 3, 2, 1), samePadding(28, 3, 2, 1)});
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.dims, (Dims{8, 14, 14, 4}));
  Pad q = samePadding(28, 4, 1, 1);
  EXPECT_EQ(q.before, 1);
  EXPECT_EQ(q.after, 2);
}

// Tests the strided and dilated extent against a direct count of window
// positions.
TEST(ShapeRules, WindowExtentMatchesCount) {
  for (int64_t in = 1; in <= 20; ++in)
    for (int64_t k = 1; k <= 5; ++k)
      for (int64_t s = 1; s <= 3; ++s)
        for (int64_t d = 1; d <= 2; ++d) {
          int64_t count = 0;
          for (int64_t start = 0; start + d * (k - 1) < in; start += s)
            ++count;
          std::string error;
          int64_t got = windowOutputExtent(in, k, s, d, Pad{}, error);
          if (count == 0) {
            EXPECT_FALSE(error.empty());
          } else {
            EXPECT_TRUE(error.empty()) << error;
            EXPECT_EQ(got, count) << in << " " << k << " " << s << " " << d;
          }
        }
}

// Tests that a kernel larger than its input and a channel mismatch are
// reported with a message, not a shape.
TEST(ShapeRules, Conv2DErrors) {
  ShapeResult big =
      conv2d({1, 2, 2, 1}, {3, 3, 1, 1}, {1, 1}, {1, 1}, {Pad{}, Pad{}});
  EXPECT_FALSE(big.ok());
  EXPECT_NE(big.error.find("does not fit"), std::string::npos);
  ShapeResult chans =
      conv2d({1, 8, 8, 3}, {3, 3, 1, 1}, {1, 1}, {1, 1}, {Pad{}, Pad{}});
  EXPECT_FALSE(chans.ok());
  EXPECT_NE(chans.error.find("3 channels"), std::string::npos);
}

// Tests report 002's Conv1D stack: 28 steps of 28 features, k=2, pool 2.
TEST(ShapeRules, Conv1DAndPool1D) {
  ShapeResult c = conv1d({kDynamic, 28, 28}, {2, 28, 236}, 1, 1, Pad{});
  ASSERT_TRUE(c.ok()) << c.error;
  EXPECT_EQ(c.dims, (Dims{kDynamic, 27, 236}));
  ShapeResult p = pool1d(c.dims, 2, 2, Pad{});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p.dims, (Dims{kDynamic, 13, 236}));
}

// Tests report 004 Model 1's tail: 3x3x128 flattens to 1152 for dense 128.
TEST(ShapeRules, PoolFlattenDense) {
  ShapeResult p = pool2d({kDynamic, 7, 7, 128}, {2, 2}, {2, 2}, {Pad{}, Pad{}});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p.dims, (Dims{kDynamic, 3, 3, 128}));
  ShapeResult f = flatten(p.dims);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f.dims, (Dims{kDynamic, 1152}));
  ShapeResult d = dense(f.dims, {1152, 128});
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d.dims, (Dims{kDynamic, 128}));
  EXPECT_FALSE(dense({kDynamic, 3, 3, 128}, {1152, 128}).ok());
  EXPECT_FALSE(dense(f.dims, {1000, 128}).ok());
}

// Tests reshape with an inferred extent, and the element-count check.
TEST(ShapeRules, Reshape) {
  ShapeResult r = reshape({kDynamic, 28, 28, 1}, {28, -1});
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.dims, (Dims{kDynamic, 28, 28}));
  EXPECT_FALSE(reshape({kDynamic, 28, 28, 1}, {27, -1}).ok());
  EXPECT_FALSE(reshape({kDynamic, 28, 28, 1}, {-1, -1}).ok());
}

// Tests residual add, concat on channels, padding and global pooling.
TEST(ShapeRules, GraphOps) {
  EXPECT_TRUE(sameShape({kDynamic, 8, 8, 4}, {kDynamic, 8, 8, 4}).ok());
  EXPECT_FALSE(sameShape({kDynamic, 8, 8, 4}, {kDynamic, 8, 8, 5}).ok());
  ShapeResult c = concat({{kDynamic, 8, 8, 4}, {kDynamic, 8, 8, 6}}, -1);
  ASSERT_TRUE(c.ok()) << c.error;
  EXPECT_EQ(c.dims, (Dims{kDynamic, 8, 8, 10}));
  EXPECT_FALSE(concat({{kDynamic, 8, 8, 4}, {kDynamic, 7, 8, 6}}, 3).ok());
  ShapeResult z = zeroPad({kDynamic, 28, 28, 3}, {Pad{2, 2}, Pad{2, 2}});
  ASSERT_TRUE(z.ok());
  EXPECT_EQ(z.dims, (Dims{kDynamic, 32, 32, 3}));
  ShapeResult g = globalPool({kDynamic, 4, 4, 64});
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g.dims, (Dims{kDynamic, 64}));
  EXPECT_TRUE(channelParam({kDynamic, 4, 4, 64}, {64}).ok());
  EXPECT_FALSE(channelParam({kDynamic, 4, 4, 64}, {32}).ok());
}

TEST(ShapeRules, FormatDims) {
  EXPECT_EQ(formatDims({kDynamic, 28, 28, 1}), "?x28x28x1");
}

// Tests that a slice keeps the batch and takes the sizes, and that counts,
// bounds, empty sizes and dynamic extents are reported.
TEST(ShapeRules, Slice) {
  ShapeResult r = slice({kDynamic, 32, 32, 3}, {2, 2, 0}, {28, 28, 3});
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.dims, (Dims{kDynamic, 28, 28, 3}));
  EXPECT_NE(slice({kDynamic, 32, 32, 3}, {2, 2}, {28, 28, 3})
                .error.find("one entry per non-batch axis"),
            std::string::npos);
  ShapeResult out = slice({kDynamic, 32, 32, 3}, {2, 6, 0}, {28, 28, 3});
  EXPECT_NE(out.error.find("[6, 34) does not fit into extent 32"),
            std::string::npos);
  EXPECT_FALSE(slice({kDynamic, 32, 32, 3}, {0, 0, 0}, {28, 28, 0}).ok());
  EXPECT_FALSE(slice({kDynamic, 32, 32, 3}, {-1, 0, 0}, {28, 28, 3}).ok());
  EXPECT_FALSE(slice({kDynamic, kDynamic, 32, 3}, {0, 0, 0}, {1, 1, 1}).ok());
  EXPECT_FALSE(slice({}, {}, {}).ok());
}

// Tests that the slice undoing a zero padding gives back the padded shape
// (kiln.slice is zero_pad's gradient).
TEST(ShapeRules, SliceUndoesZeroPad) {
  Dims input{kDynamic, 28, 28, 3};
  ShapeResult padded = zeroPad(input, {Pad{1, 3}, Pad{2, 0}});
  ASSERT_TRUE(padded.ok()) << padded.error;
  ShapeResult back = slice(padded.dims, {1, 2, 0}, {28, 28, 3});
  ASSERT_TRUE(back.ok()) << back.error;
  EXPECT_EQ(back.dims, input);
}

// Tests softmax and the classifier loss/metric rule.
TEST(ShapeRules, SoftmaxAndClassification) {
  EXPECT_TRUE(softmax({kDynamic, 10}).ok());
  EXPECT_FALSE(softmax({kDynamic, 2, 10}).ok());
  ShapeResult loss = classification({kDynamic, 10}, {kDynamic, 10});
  ASSERT_TRUE(loss.ok()) << loss.error;
  EXPECT_TRUE(loss.dims.empty());
  EXPECT_FALSE(classification({kDynamic, 10}, {kDynamic, 5}).ok());
  EXPECT_FALSE(classification({10}, {10}).ok());
}

// Tests that conv2dGradInput recovers the forward input shape for every
// input extent, stride, dilation and padding of a sweep, i.e. the gradient
// rule is the exact inverse of the forward rule.
TEST(ShapeRules, Conv2DGradInputInvertsForward) {
  Dims filter{3, 3, 4, 8};
  for (int64_t in = 3; in <= 16; ++in)
    for (int64_t s = 1; s <= 3; ++s)
      for (int64_t d = 1; d <= 2; ++d)
        for (int64_t p = 0; p <= 2; ++p) {
          Dims input{kDynamic, in, in + 1, 4};
          std::array<Pad, 2> pads{Pad{p, 0}, Pad{0, p}};
          ShapeResult fwd = conv2d(input, filter, {s, s}, {d, d}, pads);
          if (!fwd.ok())
            continue;
          ShapeResult gi = conv2dGradInput(fwd.dims, filter, {s, s}, {d, d},
                                           pads, {in, in + 1});
          ASSERT_TRUE(gi.ok()) << gi.error;
          EXPECT_EQ(gi.dims, input);
          ShapeResult gf =
              conv2dGradFilter(input, fwd.dims, {s, s}, {d, d}, pads, {3, 3});
          ASSERT_TRUE(gf.ok()) << gf.error;
          EXPECT_EQ(gf.dims, filter);
        }
}

// Tests that with stride 2 two input extents give the same output extent,
// which is why conv2d_grad_input carries input_hw, and that an input extent
// inconsistent with the gradient is reported.
TEST(ShapeRules, Conv2DGradInputNeedsExtents) {
  Dims filter{3, 3, 1, 32};
  std::array<Pad, 2> pads{Pad{1, 1}, Pad{1, 1}};
  Dims grad{kDynamic, 14, 14, 32};
  ShapeResult a = conv2dGradInput(grad, filter, {2, 2}, {1, 1}, pads, {28, 28});
  ShapeResult b = conv2dGradInput(grad, filter, {2, 2}, {1, 1}, pads, {27, 27});
  ASSERT_TRUE(a.ok()) << a.error;
  ASSERT_TRUE(b.ok()) << b.error;
  EXPECT_EQ(a.dims, (Dims{kDynamic, 28, 28, 1}));
  EXPECT_EQ(b.dims, (Dims{kDynamic, 27, 27, 1}));
  ShapeResult bad =
      conv2dGradInput(grad, filter, {2, 2}, {1, 1}, pads, {30, 28});
  EXPECT_NE(bad.error.find("gradient has shape ?x14x14x32 but conv2d gives "
                           "?x15x14x32"),
            std::string::npos)
      << bad.error;
  EXPECT_FALSE(
      conv2dGradInput({kDynamic, 14, 14}, filter, {1, 1}, {1, 1}, pads, {1, 1})
          .ok());
  EXPECT_FALSE(
      conv2dGradInput(grad, filter, {1, 1}, {1, 1}, pads, {0, 28}).ok());
}

// Tests conv2dGradFilter's errors: a dynamic input channel count and a
// kernel extent inconsistent with the gradient.
TEST(ShapeRules, Conv2DGradFilterErrors) {
  std::array<Pad, 2> none{Pad{}, Pad{}};
  EXPECT_FALSE(conv2dGradFilter({kDynamic, 28, 28, kDynamic},
                                {kDynamic, 26, 26, 32}, {1, 1}, {1, 1}, none,
                                {3, 3})
                   .ok());
  ShapeResult wrong =
      conv2dGradFilter({kDynamic, 28, 28, 1}, {kDynamic, 26, 26, 32}, {1, 1},
                       {1, 1}, none, {5, 5});
  EXPECT_NE(wrong.error.find("but conv2d gives ?x24x24x32"), std::string::npos)
      << wrong.error;
}

// Tests both conv1d gradients on report 002's first layer.
TEST(ShapeRules, Conv1DGrads) {
  Dims input{kDynamic, 28, 28}, filter{2, 28, 236}, grad{kDynamic, 27, 236};
  ShapeResult gi = conv1dGradInput(grad, filter, 1, 1, Pad{}, 28);
  ASSERT_TRUE(gi.ok()) << gi.error;
  EXPECT_EQ(gi.dims, input);
  ShapeResult gf = conv1dGradFilter(input, grad, 1, 1, Pad{}, 2);
  ASSERT_TRUE(gf.ok()) << gf.error;
  EXPECT_EQ(gf.dims, filter);
  EXPECT_FALSE(conv1dGradInput(grad, filter, 1, 1, Pad{}, 29).ok());
  EXPECT_FALSE(conv1dGradInput(grad, filter, 1, 1, Pad{}, 0).ok());
  EXPECT_FALSE(conv1dGradFilter(input, grad, 1, 1, Pad{}, 3).ok());
}

// Tests the pooling gradients: with the input, and from the input's extents
// only (average pooling).
TEST(ShapeRules, PoolGrads) {
  std::array<Pad, 2> none{Pad{}, Pad{}};
  Dims input{kDynamic, 26, 26, 32}, grad{kDynamic, 13, 13, 32};
  ShapeResult g = pool2dGrad(grad, input, {2, 2}, {2, 2}, none);
  ASSERT_TRUE(g.ok()) << g.error;
  EXPECT_EQ(g.dims, input);
  EXPECT_FALSE(
      pool2dGrad({kDynamic, 12, 13, 32}, input, {2, 2}, {2, 2}, none).ok());
  ShapeResult e = pool2dGradFromExtents(grad, {26, 27}, {2, 2}, {2, 2}, none);
  ASSERT_TRUE(e.ok()) << e.error;
  EXPECT_EQ(e.dims, (Dims{kDynamic, 26, 27, 32}));
  EXPECT_FALSE(
      pool2dGradFromExtents(grad, {28, 26}, {2, 2}, {2, 2}, none).ok());
  EXPECT_FALSE(
      pool2dGradFromExtents({kDynamic, 13, 32}, {26, 26}, {2, 2}, {2, 2}, none)
          .ok());
  ShapeResult g1 =
      pool1dGrad({kDynamic, 13, 236}, {kDynamic, 27, 236}, 2, 2, Pad{});
  ASSERT_TRUE(g1.ok()) << g1.error;
  EXPECT_EQ(g1.dims, (Dims{kDynamic, 27, 236}));
  ShapeResult e1 =
      pool1dGradFromExtents({kDynamic, 14, 236}, 27, 2, 2, Pad{0, 1});
  ASSERT_TRUE(e1.ok()) << e1.error;
  EXPECT_EQ(e1.dims, (Dims{kDynamic, 27, 236}));
  EXPECT_FALSE(pool1dGradFromExtents({kDynamic, 14, 236}, 0, 2, 2, Pad{}).ok());
}

// Tests the global pooling gradient for NHWC and NWC inputs.
TEST(ShapeRules, GlobalPoolGrad) {
  ShapeResult g = globalPoolGrad({kDynamic, 64}, {4, 4, 64});
  ASSERT_TRUE(g.ok()) << g.error;
  EXPECT_EQ(g.dims, (Dims{kDynamic, 4, 4, 64}));
  ShapeResult w = globalPoolGrad({8, 64}, {13, 64});
  ASSERT_TRUE(w.ok()) << w.error;
  EXPECT_EQ(w.dims, (Dims{8, 13, 64}));
  EXPECT_FALSE(globalPoolGrad({kDynamic, 64}, {4, 4, 32}).ok());
  EXPECT_FALSE(globalPoolGrad({kDynamic, 64}, {64}).ok());
  EXPECT_FALSE(globalPoolGrad({kDynamic, 64}, {0, 4, 64}).ok());
  EXPECT_FALSE(globalPoolGrad({kDynamic, 1, 64}, {4, 4, 64}).ok());
}

// Tests the dense and bias gradients.
TEST(ShapeRules, DenseAndBiasGrads) {
  ShapeResult gi = denseGradInput({kDynamic, 128}, {1152, 128});
  ASSERT_TRUE(gi.ok()) << gi.error;
  EXPECT_EQ(gi.dims, (Dims{kDynamic, 1152}));
  EXPECT_FALSE(denseGradInput({kDynamic, 64}, {1152, 128}).ok());
  EXPECT_FALSE(denseGradInput({128}, {1152, 128}).ok());
  ShapeResult gw = denseGradWeights({kDynamic, 1152}, {kDynamic, 128});
  ASSERT_TRUE(gw.ok()) << gw.error;
  EXPECT_EQ(gw.dims, (Dims{1152, 128}));
  EXPECT_FALSE(denseGradWeights({8, 1152}, {4, 128}).ok());
  EXPECT_FALSE(denseGradWeights({kDynamic, kDynamic}, {kDynamic, 128}).ok());
  ShapeResult gb = biasGrad({kDynamic, 26, 26, 32});
  ASSERT_TRUE(gb.ok()) << gb.error;
  EXPECT_EQ(gb.dims, (Dims{32}));
  EXPECT_FALSE(biasGrad({}).ok());
  EXPECT_FALSE(biasGrad({4, kDynamic}).ok());
}

// Tests the moving average of BatchNorm statistics.
TEST(ShapeRules, MovingAverage) {
  ShapeResult r = movingAverage({32}, {32});
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.dims, (Dims{32}));
  EXPECT_FALSE(movingAverage({32}, {16}).ok());
  EXPECT_FALSE(movingAverage({4, 32}, {4, 32}).ok());
  EXPECT_FALSE(movingAverage({kDynamic}, {kDynamic}).ok());
}

// Tests that concat checks the batch extent (a dynamic one takes the other
// input's) and keeps a dynamic concatenated extent dynamic.
TEST(ShapeRules, ConcatBatchAndDynamic) {
  ShapeResult r = concat({{kDynamic, 8}, {4, 6}}, 1);
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.dims, (Dims{4, 14}));
  EXPECT_FALSE(concat({{4, 8}, {2, 8}}, 1).ok());
  ShapeResult d = concat({{4, kDynamic}, {4, 6}}, 1);
  ASSERT_TRUE(d.ok()) << d.error;
  EXPECT_EQ(d.dims, (Dims{4, kDynamic}));
}

// Tests that concat rejects two known, different batch extents but accepts
// a batch that is known only at run time.
TEST(ShapeRules, ConcatBatch) {
  EXPECT_FALSE(concat({{2, 8, 4}, {3, 8, 4}}, 2).ok());
  EXPECT_TRUE(concat({{kDynamic, 8, 4}, {3, 8, 4}}, 2).ok());
  EXPECT_TRUE(concat({{3, 8, 4}, {3, 8, 2}}, 2).ok());
}

// Tests that a classification loss takes equal N x M logits and labels and
// gives a scalar.
TEST(ShapeRules, Classification) {
  ShapeResult r = classification({kDynamic, 10}, {kDynamic, 10});
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_TRUE(r.dims.empty());
  EXPECT_FALSE(classification({4, 10}, {4, 5}).ok());
  EXPECT_FALSE(classification({4, 2, 5}, {4, 2, 5}).ok());
}

} // namespace

namespace {

// Tests that softmax keeps an N x M shape and rejects an image value.
TEST(ShapeRules, Softmax) {
  ShapeResult ok = softmax({kDynamic, 10});
  ASSERT_TRUE(ok.ok()) << ok.error;
  EXPECT_EQ(ok.dims, (Dims{kDynamic, 10}));
  ShapeResult bad = softmax({kDynamic, 26, 26, 8});
  EXPECT_FALSE(bad.ok());
  EXPECT_NE(bad.error.find("must be rank 2"), std::string::npos);
}

} // namespace
