//===- History.cpp - Per-epoch training history ---------------------------===//

#include "kiln/runtime/History.h"

#include "kiln/runtime/File.h"
#include "kiln/runtime/Json.h"

namespace kiln {
namespace rt {

namespace {

/// The columns, in file order: name and accessor. Both formats use it.
struct Column {
  const char *name;
  double (*get)(const EpochRecord &);
};

/// The history columns, in file order.
const Column kColumns[] = {
    {"epoch", [](const EpochRecord &r) { return double(r.epoch); }},
    {"loss", [](const EpochRecord &r) { return r.loss; }},
    {"accuracy", [](const EpochRecord &r) { return r.accuracy; }},
    {"val_loss", [](const EpochRecord &r) { return r.valLoss; }},
    {"val_accuracy", [](const EpochRecord &r) { return r.valAccuracy; }},
    {"seconds", [](const EpochRecord &r) { return r.seconds; }},
    {"images_per_second",
     [](const EpochRecord &r) { return r.imagesPerSecond; }},
    {"lr", [](const EpochRecord &r) { return r.learningRate; }},
};

} // namespace

std::string historyCsv(const std::vector<EpochRecord> &records) {
  std::string out;
  for (const Column &c : kColumns)
    out += std::string(out.empty() ? "" : ",") + c.name;
  out += "\n";
  for (const EpochRecord &r : records) {
    bool first = true;
    for (const Column &c : kColumns) {
      if (!first)
        out += ",";
      first = false;
      double v = c.get(r);
      if (std::isfinite(v))
        out += formatNumber(v);
    }
    out += "\n";
  }
  return out;
}

std::string historyJson(const std::vector<EpochRecord> &records) {
  JsonWriter json;
  json.beginObject();
  for (const Column &c : kColumns) {
    json.key(c.name).beginArray(true);
    for (const EpochRecord &r : records)
      json.value(c.get(r));
    json.endArray();
  }
  json.endObject();
  return json.str();
}

Status writeHistoryCsv(const std::string &path,
                       const std::vector<EpochRecord> &records) {
  return writeFileAtomically(path, "history", historyCsv(records));
}

Status writeHistoryJson(const std::string &path,
                        const std::vector<EpochRecord> &records) {
  return writeFileAtomically(path, "history", historyJson(records));
}

} // namespace rt
} // namespace kiln
