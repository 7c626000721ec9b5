//===- ProgressTest.cpp - Epoch lines, progress bar and history files -----===//

#include "kiln/runtime/Progress.h"
#include "kiln/runtime/History.h"

#include "RuntimeTestUtil.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fcntl.h>
#include <unistd.h>

using namespace kiln::rt;
using kiln::test::readText;
using kiln::test::ScratchDir;

namespace {

// Tests report 000's first epoch line as Keras printed it: 750 steps in 47 s.
TEST(Progress, EpochLine) {
  MetricList m = {{"loss", 0.5846},
                  {"accuracy", 0.7841},
                  {"val_loss", 0.4175},
                  {"val_accuracy", 0.8463}};
  EXPECT_EQ(formatEpochHeader(1, 10), "Epoch 1/10");
  EXPECT_EQ(formatEpochLine(750, 47.0, m),
            "750/750 [==============================] - 47s 63ms/step - loss: "
            "0.5846 - accuracy: 0.7841 - val_loss: 0.4175 - val_accuracy: "
            "0.8463");
}

// Tests the pieces: bar fill and arrow, right-aligned counts, ETA forms,
// step-time units and small values in exponent form.
TEST(Progress, Pieces) {
  EXPECT_EQ(formatBar(0, 750), "  0/750 [..............................]");
  EXPECT_EQ(formatBar(37, 750), " 37/750 [>.............................]");
  EXPECT_EQ(formatBar(375, 750), "375/750 [==============>...............]");
  EXPECT_EQ(formatBar(750, 750), "750/750 [==============================]");
  EXPECT_EQ(formatBar(3, 4, 8), "3/4 [=====>..]");
  EXPECT_EQ(formatEta(42.9), "ETA: 42s");
  EXPECT_EQ(formatEta(307.5), "ETA: 5:07");
  EXPECT_EQ(formatEta(3723.0), "ETA: 1:02:03");
  EXPECT_EQ(formatStepTime(2.4), " 2s/step");
  EXPECT_EQ(formatStepTime(0.0604), " 60ms/step");
  EXPECT_EQ(formatStepTime(0.00025), " 250us/step");
  EXPECT_EQ(formatStepTime(0), " 0s/step");
  EXPECT_EQ(formatMetrics({{"loss", 0.00012345}, {"lr", 0.001}}),
            " - loss: 1.2345e-04 - lr: 1.0000e-03");
  EXPECT_EQ(formatMetrics({{"loss", -2.5}}), " - loss: -2.5000");
  EXPECT_EQ(formatProgressLine(250, 750, 10.0, {{"loss", 0.7}}),
            "250/750 [=========>....................] - ETA: 20s - loss: "
            "0.7000");
}

/// Runs `body` with a ProgressBar writing to a temporary file and returns
/// what it wrote.
template <typename F> std::string capture(bool interactive, F body) {
  std::FILE *f = std::tmpfile();
  EXPECT_NE(f, nullptr);
  {
    ProgressBar bar(4, f, interactive);
    body(bar);
  }
  std::fflush(f);
  std::rewind(f);
  std::string text;
  int c;
  while ((c = std::fgetc(f)) != EOF)
    text.push_back(static_cast<char>(c));
  std::fclose(f);
  return text;
}

// Tests that a non-terminal output (a file) gets only the final line, and
// that a ProgressBar on a file detects it is not a terminal.
TEST(Progress, FileGetsOnlyFinalLine) {
  std::FILE *f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  EXPECT_FALSE(isTerminal(f));
  EXPECT_FALSE(ProgressBar(4, f).isInteractive());
  std::fclose(f);
  std::string text = capture(false, [](ProgressBar &bar) {
    for (int s = 1; s <= 4; ++s)
      bar.update(s, s * 1.0, {{"loss", 1.0 / s}});
    bar.finish(4.0, {{"loss", 0.25}});
  });
  EXPECT_EQ(text, "4/4 [==============================] - 4s 1s/step - loss: "
                  "0.2500\n");
}

// Tests that the suffix (the images/s the train executable adds) ends the
// final line.
TEST(Progress, FinishSuffix) {
  std::string text = capture(false, [](ProgressBar &bar) {
    bar.finish(4.0, {{"loss", 0.25}}, " - 250 images/s");
  });
  EXPECT_EQ(text, "4/4 [==============================] - 4s 1s/step - loss: "
                  "0.2500 - 250 images/s\n");
}

// Tests in-place drawing: carriage returns, padding over a longer previous
// line, redraws limited to one per 0.05 s (the last step always drawn).
TEST(Progress, InteractiveRedraws) {
  std::string text = capture(true, [](ProgressBar &bar) {
    bar.update(1, 0.5, {{"loss", 1.2345}, {"accuracy", 0.5}});
    bar.update(2, 0.51, {{"loss", 1.0}}); // too soon: skipped
    bar.update(3, 1.5, {{"loss", 0.9}});
    bar.finish(2.0, {{"loss", 0.8}});
  });
  std::string first = "1/4 [======>.......................] - ETA: 1s - "
                      "loss: 1.2345 - accuracy: 0.5000";
  std::string third = "3/4 [=====================>........] - ETA: 0s - "
                      "loss: 0.9000";
  std::string last = "4/4 [==============================] - 2s 500ms/step - "
                     "loss: 0.8000";
  std::string expected = "\r" + first + "\r" + third +
                         std::string(first.size() - third.size(), ' ') + "\r" +
                         last;
  if (last.size() < third.size())
    expected += std::string(third.size() - last.size(), ' ');
  EXPECT_EQ(text, expected + "\n");
}

// Tests terminal detection on a real pseudo-terminal: a ProgressBar on it
// draws in place without being told to.
TEST(Progress, DetectsTerminal) {
  int master = ::posix_openpt(O_RDWR | O_NOCTTY);
  if (master < 0)
    GTEST_SKIP() << "no pseudo-terminals here";
  ASSERT_EQ(::grantpt(master), 0);
  ASSERT_EQ(::unlockpt(master), 0);
  const char *name = ::ptsname(master);
  ASSERT_NE(name, nullptr);
  std::FILE *tty = std::fopen(name, "w");
  ASSERT_NE(tty, nullptr);
  EXPECT_TRUE(isTerminal(tty));
  ProgressBar bar(2, tty);
  EXPECT_TRUE(bar.isInteractive());
  bar.update(1, 0.1, {{"loss", 0.5}});
  std::fflush(tty);
  char buf[256] = {};
  ssize_t n = ::read(master, buf, sizeof(buf) - 1);
  ASSERT_GT(n, 0);
  EXPECT_EQ(std::string(buf, n),
            "\r1/2 [==============>...............] - ETA: 0s - loss: 0.5000");
  std::fclose(tty);
  ::close(master);
}

std::vector<EpochRecord> twoEpochs() {
  EpochRecord a;
  a.epoch = 1;
  a.loss = 0.5846;
  a.accuracy = 0.7841;
  a.valLoss = 0.4175;
  a.valAccuracy = 0.8463;
  a.seconds = 47;
  a.imagesPerSecond = 48000.0 / 47;
  a.learningRate = 0.001;
  EpochRecord b = a;
  b.epoch = 2;
  b.loss = 0.25;
  b.valLoss = NAN;
  b.valAccuracy = NAN;
  b.imagesPerSecond = 1000;
  b.learningRate = 0.0005;
  return {a, b};
}

// Tests the history CSV and JSON on fixed figures, missing validation
// figures as empty fields and nulls, and the files written atomically.
TEST(History, CsvAndJson) {
  std::vector<EpochRecord> h = twoEpochs();
  EXPECT_EQ(historyCsv(h),
            "epoch,loss,accuracy,val_loss,val_accuracy,seconds,"
            "images_per_second,lr\n"
            "1,0.5846,0.7841,0.4175,0.8463,47,1021.2765957446809,0.001\n"
            "2,0.25,0.7841,,,47,1000,0.0005\n");
  EXPECT_EQ(historyJson(h), "{\n"
                            "  \"epoch\": [1, 2],\n"
                            "  \"loss\": [0.5846, 0.25],\n"
                            "  \"accuracy\": [0.7841, 0.7841],\n"
                            "  \"val_loss\": [0.4175, null],\n"
                            "  \"val_accuracy\": [0.8463, null],\n"
                            "  \"seconds\": [47, 47],\n"
                            "  \"images_per_second\": [1021.2765957446809, "
                            "1000],\n"
                            "  \"lr\": [0.001, 0.0005]\n"
                            "}\n");
  ScratchDir dir;
  ASSERT_TRUE(writeHistoryCsv(dir.path("h.csv"), h));
  ASSERT_TRUE(writeHistoryJson(dir.path("h.json"), h));
  EXPECT_EQ(readText(dir.path("h.csv")), historyCsv(h));
  EXPECT_EQ(readText(dir.path("h.json")), historyJson(h));
  Status s = writeHistoryCsv(dir.path("missing/h.csv"), h);
  ASSERT_FALSE(s);
  EXPECT_NE(s.message().find("cannot create history"), std::string::npos)
      << s.message();
}

} // namespace
