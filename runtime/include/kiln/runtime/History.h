//===- History.h - Per-epoch training history -------------------*- C++ -*-===//
//
// What a training run records after every epoch, written as CSV (one row
// per epoch, like Keras' CSVLogger) and as JSON shaped like Keras'
// History.history (one list per quantity), so the reports' accuracy and loss
// plots can be redrawn from either. Epochs are numbered from 1 as printed.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_RUNTIME_HISTORY_H
#define KILN_RUNTIME_HISTORY_H

#include "kiln/runtime/Status.h"

#include <cmath>
#include <string>
#include <vector>

namespace kiln {
namespace rt {

/// One epoch's figures. Validation figures are NaN when there is no
/// validation data; they are written as empty CSV fields and JSON nulls.
struct EpochRecord {
  int epoch = 0;
  double loss = 0;
  double accuracy = 0;
  double valLoss = NAN;
  double valAccuracy = NAN;
  double seconds = 0;
  double imagesPerSecond = 0;
  double learningRate = 0;
};

/// The CSV text: header
/// "epoch,loss,accuracy,val_loss,val_accuracy,seconds,images_per_second,lr"
/// then one row per record, numbers in their shortest exact form.
std::string historyCsv(const std::vector<EpochRecord> &records);

/// The JSON text: {"epoch": [...], "loss": [...], ..., "lr": [...]}.
std::string historyJson(const std::vector<EpochRecord> &records);

/// Atomically replaces `path` with historyCsv(records).
Status writeHistoryCsv(const std::string &path,
                       const std::vector<EpochRecord> &records);

/// Atomically replaces `path` with historyJson(records).
Status writeHistoryJson(const std::string &path,
                        const std::vector<EpochRecord> &records);

} // namespace rt
} // namespace kiln

#endif // KILN_RUNTIME_HISTORY_H
