//===- InferMain.cpp - The NET-infer executable ---------------------------===//
//
// Loads a checkpoint of the model and either evaluates a labelled IDX pair
// (accuracy, loss, classification report, confusion matrix) or classifies
// image files (PGM/PPM or PNG of the model's input size; "-" reads one from
// standard input) printing the top-k classes with their probabilities, as
// text or JSON. With --benchmark it times the compiled @infer instead:
// images/s at a batch over the test images and the median batch-1 latency
// (what tools/bench/compare compares with PyTorch).
//
//===----------------------------------------------------------------------===//

#include "kiln/runtime/CommandLine.h"
#include "kiln/runtime/Idx.h"
#include "kiln/runtime/Image.h"
#include "kiln/runtime/Json.h"
#include "kiln/runtime/Session.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <numeric>
#include <unistd.h>

namespace kiln {
namespace rt {

namespace {

constexpr int kExitUsage = 2;

/// The command line of NET-infer.
struct InferOptions {
  std::string checkpoint, weights, saveWeights;
  std::string images, labels, dataDir;
  int64_t topK = 3, batch = 0, threads = 0, limit = 0;
  bool json = false;
  bool benchmark = false;
  int64_t benchBatches = 20, latencyRuns = 200;
};

/// Reads all of standard input.
Status readStdin(std::vector<uint8_t> &bytes) {
  bytes.clear();
  uint8_t chunk[1 << 16];
  for (;;) {
    ssize_t n = ::read(0, chunk, sizeof(chunk));
    if (n < 0)
      return Status::errnoError("<stdin>", "cannot read image");
    if (n == 0)
      return Status::ok();
    bytes.insert(bytes.end(), chunk, chunk + n);
  }
}

/// Classifies the image files `paths` and prints the top-k classes.
Status classifyFiles(Session &session, const InferOptions &opt,
                     const std::vector<std::string> &paths) {
  size_t imageSize =
      size_t(session.height()) * session.width() * session.channels();
  std::vector<float> batchImages(paths.size() * imageSize);
  for (size_t i = 0; i < paths.size(); ++i) {
    Image image;
    if (paths[i] == "-") {
      std::vector<uint8_t> bytes;
      if (Status s = readStdin(bytes); !s)
        return s;
      if (Status s = decodeImage("<stdin>", bytes, session.height(),
                                 session.width(), session.channels(), image);
          !s)
        return s;
    } else if (Status s = readImage(paths[i], session.height(), session.width(),
                                    session.channels(), image);
               !s) {
      return s;
    }
    std::copy(image.data.begin(), image.data.end(),
              batchImages.begin() + i * imageSize);
  }
  std::vector<float> probs;
  if (Status s = session.predict(batchImages.data(), int64_t(paths.size()),
                                 opt.batch, probs);
      !s)
    return s;
  int classes = session.classes();
  int k = int(std::min<int64_t>(opt.topK, classes));
  std::vector<std::string> names = session.classNames();
  JsonWriter json;
  if (opt.json) {
    json.beginObject();
    json.key("model").value(session.modelName());
    json.key("predictions").beginArray();
  }
  for (size_t i = 0; i < paths.size(); ++i) {
    const float *row = probs.data() + i * classes;
    std::vector<int> order(classes);
    std::iota(order.begin(), order.end(), 0);
    // Ties keep the lower class first, as argmax does.
    std::stable_sort(order.begin(), order.end(),
                     [&](int a, int b) { return row[a] > row[b]; });
    std::string file = paths[i] == "-" ? "<stdin>" : paths[i];
    if (opt.json) {
      json.beginObject();
      json.key("file").value(file);
      json.key("top").beginArray();
      for (int r = 0; r < k; ++r) {
        json.beginObject();
        json.key("class").value(names[order[r]]);
        json.key("label").value(order[r]);
        json.key("probability").value(double(row[order[r]]));
        json.endObject();
      }
      json.endArray();
      json.endObject();
    } else {
      std::printf("%s:", file.c_str());
      for (int r = 0; r < k; ++r)
        std::printf("%s %s (%d) %.4f", r ? "," : "", names[order[r]].c_str(),
                    order[r], row[order[r]]);
      std::printf("\n");
    }
  }
  if (opt.json) {
    json.endArray();
    json.endObject();
    std::fputs(json.str().c_str(), stdout);
  }
  return Status::ok();
}

/// Evaluates a labelled IDX pair and prints the report.
Status evaluateIdx(Session &session, const InferOptions &opt,
                   const IdxFilePair &files) {
  Dataset data;
  if (Status s =
          loadIdxDataset(files.images, files.labels, session.height(),
                         session.width(), session.channels(), session.classes(),
                         data, selectedLabels(session.plan()));
      !s)
    return s;
  keepFirst(data, opt.limit);
  auto start = std::chrono::steady_clock::now();
  Evaluation eval;
  if (Status s = session.evaluate(data, opt.batch, eval); !s)
    return s;
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  if (opt.json) {
    std::fputs(evaluationJson(session.modelName(), data.count, eval,
                              session.classNames(), seconds)
                   .c_str(),
               stdout);
    return Status::ok();
  }
  ClassificationReport report =
      classificationReport(eval.confusion, session.classNames());
  std::printf("%s on %s: %lld images - loss: %.4f - accuracy: %.4f - %.3f s "
              "(%.0f images/s)\n\n",
              session.modelName().c_str(), files.images.c_str(),
              static_cast<long long>(data.count), eval.loss, eval.accuracy,
              seconds, seconds > 0 ? double(data.count) / seconds : 0);
  std::printf(
      "%s\nConfusion matrix (rows: true class, columns: "
      "predicted):\n%s",
      formatClassificationReport(report, 4).c_str(),
      formatConfusionMatrix(eval.confusion, session.classNames()).c_str());
  return Status::ok();
}

/// Times @infer on the images of `files`: `opt.benchBatches` calls at
/// `opt.batch` (the compiled batch by default) after one untimed call, then
/// `opt.latencyRuns` single-image calls after ten untimed ones; prints
/// images/s and the median latency.
Status benchmarkIdx(Session &session, const InferOptions &opt,
                    const IdxFilePair &files) {
  Dataset data;
  if (Status s = loadIdxDataset(files.images, files.labels, session.height(),
                                session.width(), session.channels(),
                                session.classes(), data);
      !s)
    return s;
  keepFirst(data, opt.limit);
  int64_t batch = opt.batch ? opt.batch : session.plan().infer()->batch();
  if (data.count < batch)
    return Status::error(files.images + ": " + std::to_string(data.count) +
                         " images, fewer than one batch of " +
                         std::to_string(batch));
  using Clock = std::chrono::steady_clock;
  auto seconds = [](Clock::time_point since) {
    return std::chrono::duration<double>(Clock::now() - since).count();
  };
  std::vector<float> probs;
  // Batch b starts at image b * batch, wrapping round the data.
  int64_t starts = data.count - batch + 1;
  auto images = [&](int64_t b) { return data.image((b * batch) % starts); };
  if (Status s = session.predict(images(0), batch, batch, probs); !s)
    return s;
  auto start = Clock::now();
  for (int64_t b = 0; b < opt.benchBatches; ++b)
    if (Status s = session.predict(images(b + 1), batch, batch, probs); !s)
      return s;
  double throughputSeconds = seconds(start);
  double imagesPerSecond =
      double(opt.benchBatches * batch) / std::max(throughputSeconds, 1e-9);

  std::vector<double> latencies;
  for (int64_t i = -10; i < opt.latencyRuns; ++i) {
    const float *image = data.image((i + 10) % data.count);
    auto t0 = Clock::now();
    if (Status s = session.predict(image, 1, 1, probs); !s)
      return s;
    if (i >= 0)
      latencies.push_back(seconds(t0) * 1000);
  }
  std::sort(latencies.begin(), latencies.end());
  double median = latencies[latencies.size() / 2];
  if (latencies.size() % 2 == 0)
    median = (median + latencies[latencies.size() / 2 - 1]) / 2;
  if (opt.json) {
    JsonWriter json;
    json.beginObject();
    json.key("model").value(session.modelName());
    json.key("batch").value(batch);
    json.key("batches").value(opt.benchBatches);
    json.key("images_per_s").value(imagesPerSecond);
    json.key("latency_runs").value(opt.latencyRuns);
    json.key("latency_ms_median").value(median);
    json.key("latency_ms_min").value(latencies.front());
    json.endObject();
    std::printf("%s\n", json.str().c_str());
  } else {
    std::printf("%s: batch %lld: %.0f images/s (%lld batches, %.3f s); "
                "batch 1: median %.3f ms, min %.3f ms (%lld runs)\n",
                session.modelName().c_str(), static_cast<long long>(batch),
                imagesPerSecond, static_cast<long long>(opt.benchBatches),
                throughputSeconds, median, latencies.front(),
                static_cast<long long>(opt.latencyRuns));
  }
  return Status::ok();
}

} // namespace

int inferMain(int argc, char **argv, const EmbeddedModel &model) {
  std::string program = argc > 0 ? argv[0] : "infer";
  if (size_t slash = program.find_last_of('/'); slash != std::string::npos)
    program = program.substr(slash + 1);
  InferOptions o;
  OptionParser parser(program, "[options] [IMAGE...]  (IMAGE: PNG or "
                               "PGM/PPM file, - for standard input)");
  parser.text("checkpoint", &o.checkpoint, "FILE",
              "trained checkpoint (default: NET.kckpt)");
  parser.text("weights", &o.weights, "FILE",
              "use these weights instead of a checkpoint: a NumPy .npz of "
              "arrays named LAYER/ROLE, or another model's checkpoint, with "
              "every tensor of this one");
  parser.text("save-weights", &o.saveWeights, "FILE",
              "write the loaded weights as a NumPy .npz (numpy.load reads "
              "it) and exit");
  parser.text("images", &o.images, "FILE", "evaluate these IDX images ...");
  parser.text("labels", &o.labels, "FILE", "... with these IDX labels");
  parser.text("data", &o.dataDir, "DIR",
              "evaluate Fashion-MNIST's test split in DIR (the default "
              "without images: the model's test data)");
  parser.integer("top-k", &o.topK, 1, 1 << 20, "classes shown per image (3)");
  parser.flag("json", &o.json, "print JSON");
  parser.integer("batch", &o.batch, 1, 1 << 20,
                 "images per kernel call (default: the compiled batch)");
  parser.integer("threads", &o.threads, 1, 1024,
                 "threads (default: HL_NUM_THREADS, else all)");
  parser.integer("limit", &o.limit, 1, INT64_MAX,
                 "evaluate only the first N images (of the model's selected "
                 "labels)");
  parser.flag("benchmark", &o.benchmark,
              "time inference on the test images instead: images/s at "
              "--batch and the median batch-1 latency (without a "
              "checkpoint: freshly initialised weights)");
  parser.integer("bench-batches", &o.benchBatches, 1, 1 << 30,
                 "--benchmark: timed batches (20)");
  parser.integer("latency-runs", &o.latencyRuns, 1, 1 << 30,
                 "--benchmark: timed batch-1 calls (200)");
  std::vector<std::string> positional;
  bool help = false;
  if (Status s = parser.parse(argc, argv, positional, help); !s) {
    std::fprintf(stderr, "%s\n", s.message().c_str());
    return kExitUsage;
  }
  if (help) {
    std::printf("%s", parser.help().c_str());
    return 0;
  }
  if (o.images.empty() != o.labels.empty()) {
    std::fprintf(stderr, "%s: --images and --labels go together\n",
                 program.c_str());
    return kExitUsage;
  }
  if (!positional.empty() && (!o.images.empty() || !o.dataDir.empty())) {
    std::fprintf(stderr, "%s: give image files or an IDX pair, not both\n",
                 program.c_str());
    return kExitUsage;
  }
  auto fail = [](const Status &s) {
    std::fprintf(stderr, "error: %s\n", s.message().c_str());
    return 1;
  };
  Session session;
  if (Status s = session.open(model, /*training=*/false, o.threads); !s)
    return fail(s);
  if (o.batch > session.plan().infer()->batch())
    return fail(Status::error("--batch " + std::to_string(o.batch) +
                              " is larger than the batch "
                              "the executable was compiled for (" +
                              std::to_string(session.plan().infer()->batch()) +
                              ")"));
  if (o.benchmark && !positional.empty()) {
    std::fprintf(stderr,
                 "%s: --benchmark times the test images; give no "
                 "image files\n",
                 program.c_str());
    return kExitUsage;
  }
  if (!o.checkpoint.empty() && !o.weights.empty()) {
    std::fprintf(stderr, "%s: give --checkpoint or --weights, not both\n",
                 program.c_str());
    return kExitUsage;
  }
  std::string checkpoint =
      o.checkpoint.empty() ? session.modelName() + ".kckpt" : o.checkpoint;
  CheckpointData ckpt;
  WeightsReport loaded;
  // Timing does not depend on the weights: a benchmark without a checkpoint
  // runs the model's initial ones.
  if (!o.weights.empty()) {
    if (Status s = session.loadWeights(o.weights, /*requireAll=*/true, loaded);
        !s)
      return fail(s);
  } else if (o.benchmark && o.checkpoint.empty() &&
             access(checkpoint.c_str(), F_OK)) {
    if (Status s = session.initialize(0); !s)
      return fail(s);
  } else if (Status s = session.loadCheckpoint(checkpoint, ckpt); !s) {
    return fail(s);
  }
  if (!o.saveWeights.empty()) {
    size_t count = 0;
    if (Status s = session.saveWeights(o.saveWeights, count); !s)
      return fail(s);
    std::printf("Wrote %zu tensors to %s\n", count, o.saveWeights.c_str());
    return 0;
  }

  if (!positional.empty()) {
    if (std::count(positional.begin(), positional.end(), "-") > 1)
      return fail(Status::error("standard input can hold only one image"));
    if (Status s = classifyFiles(session, o, positional); !s)
      return fail(s);
    return 0;
  }
  IdxFilePair files;
  const fb::Training *training = session.plan().training();
  const fb::DataSource *src = training ? training->data() : nullptr;
  if (!o.images.empty()) {
    files = {o.images, o.labels};
  } else if (o.dataDir.empty() && src && src->test_images() &&
             src->test_images()->size() && src->test_labels()) {
    files = {src->test_images()->str(), src->test_labels()->str()};
  } else {
    files = fashionMnistFiles(FashionMnistSplit::Test,
                              o.dataDir.empty() ? kFashionMnistDir : o.dataDir);
  }
  if (Status s = o.benchmark ? benchmarkIdx(session, o, files)
                             : evaluateIdx(session, o, files);
      !s)
    return fail(s);
  return 0;
}

} // namespace rt
} // namespace kiln
