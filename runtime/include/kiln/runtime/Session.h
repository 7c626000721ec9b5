//===- Session.h - A compiled model ready to run ----------------*- C++ -*-===//
//
// What the train and infer mains share: the embedded plan loaded and
// checked, the executor set up, parameters initialised or read from a
// checkpoint, and evaluation of a data set (probabilities, loss as Keras
// reports it, confusion matrix) through the plan's @infer.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_RUNTIME_SESSION_H
#define KILN_RUNTIME_SESSION_H

#include "kiln/runtime/Checkpoint.h"
#include "kiln/runtime/Dataset.h"
#include "kiln/runtime/Executor.h"
#include "kiln/runtime/KernelTable.h"
#include "kiln/runtime/Metrics.h"
#include "kiln/runtime/Plan.h"

#include <cstdint>
#include <string>
#include <vector>

namespace kiln {
namespace rt {

/// Loss, accuracy and confusion matrix of a data set.
struct Evaluation {
  double loss = 0;
  double accuracy = 0;
  ConfusionMatrix confusion{0};
};

/// How loadWeights() matched a file's tensors with the model's, by name.
struct WeightsReport {
  /// The model's parameters and state read from the file.
  std::vector<std::string> loaded;
  /// The model's tensors the file does not have (they keep their values).
  std::vector<std::string> kept;
  /// The file's tensors the model does not have.
  std::vector<std::string> unused;
};

/// One compiled model and its tensors.
class Session {
public:
  /// Loads `model`'s plan (with @train_step when `training`), checks it
  /// against the kernel table, sets the thread count (0: Halide's default)
  /// and checks the GPU when the kernels need one.
  Status open(const EmbeddedModel &model, bool training, int64_t threads);

  const fb::Plan &plan() const { return *planRoot; }
  Executor &executor() { return exec; }
  const std::string &modelName() const { return name; }
  uint64_t modelHash() const { return planRoot->model_hash(); }

  /// Image extents for reading data: height, width, channels of the input
  /// (a rank-2 input of steps x features reads as steps x features x 1).
  int height() const { return dims[0]; }
  int width() const { return dims[1]; }
  int channels() const { return dims[2]; }
  int classes() const { return numClasses(*planRoot); }
  std::vector<std::string> classNames() const;

  /// Gives every persistent tensor its initial value: parameters from
  /// their initialiser with `seed`, state tensors and slots likewise
  /// (zeros and ones).
  Status initialize(uint64_t seed);

  /// Reads `path` (a checkpoint of this model) and loads its tensors,
  /// checking that every persistent tensor is present with its shape; the
  /// whole checkpoint is returned in `out`.
  Status loadCheckpoint(const std::string &path, CheckpointData &out);

  /// Loads weights from `path`, matched by name: a NumPy .npz of arrays
  /// named as the model's tensors ("<layer>/<role>", Keras' layouts) or a
  /// Kiln checkpoint of any model (its parameters and moving statistics;
  /// optimizer slots are never read). A matched tensor must have the
  /// model's shape. With `requireAll` every parameter and state tensor must
  /// be in the file; otherwise the others keep their values, as Keras'
  /// load_weights(by_name=True) leaves them, but one at least must match.
  Status loadWeights(const std::string &path, bool requireAll,
                     WeightsReport &report);
  /// Writes the parameters and state as an .npz that numpy.load reads;
  /// `count` is how many tensors it holds.
  Status saveWeights(const std::string &path, size_t &count) const;
  /// The persistent tensors as a checkpoint's three lists.
  void snapshot(CheckpointData &out) const;

  /// Copies of the parameters and state (not slots): what restore-best
  /// keeps.
  std::vector<NamedTensor> modelTensors() const;
  /// Puts back tensors from modelTensors().
  void restoreModelTensors(const std::vector<NamedTensor> &tensors);

  /// The regularisation the loss adds: sum of l1 |w| and l2 w^2.
  double penalty() const;

  /// Runs @infer on `count` images at `images` in batches of at most
  /// `batch` (0: the planned batch) and writes count x classes
  /// probabilities (a softmax is applied here when the model returns raw
  /// scores) to `probabilities`.
  Status predict(const float *images, int64_t count, int64_t batch,
                 std::vector<float> &probabilities);

  /// Evaluates `data`: mean cross-entropy (probabilities clipped to
  /// [1e-7, 1 - 1e-7] as Keras does) plus the penalty, accuracy and the
  /// confusion matrix.
  Status evaluate(const Dataset &data, int64_t batch, Evaluation &out);

private:
  const fb::Plan *planRoot = nullptr;
  const EmbeddedModel *embedded = nullptr;
  Executor exec;
  std::string name;
  int dims[3] = {0, 0, 0};
};

/// The JSON document of an evaluation, the same for NET-train's test
/// report and NET-infer --json: model, images, loss, accuracy, seconds and
/// the classification report with its confusion matrix.
std::string evaluationJson(const std::string &modelName, int64_t images,
                           const Evaluation &eval,
                           const std::vector<std::string> &classNames,
                           double seconds);

/// The directory part of `path` ("." when it has none).
std::string directoryOf(const std::string &path);

/// Checks that files can be created in `path`'s directory by creating and
/// removing a probe file there (permission bits alone do not tell for root).
Status checkWritableDirectory(const std::string &path, const char *what);

} // namespace rt
} // namespace kiln

#endif // KILN_RUNTIME_SESSION_H
