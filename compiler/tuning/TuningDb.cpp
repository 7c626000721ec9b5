//===- TuningDb.cpp - The tuning database ---------------------------------===//

#include "kiln/Tuning/TuningDb.h"
#include "kiln/runtime/File.h"
#include "kiln/tuning/schemas/tuning_generated.h"

#include <algorithm>
#include <sys/stat.h>

using namespace kiln;
using namespace kiln::tuning;

std::string tuning::tuningKey(const std::string &signature,
                              const std::string &target, int64_t batch) {
  return signature + " " + target + " " + std::to_string(batch);
}

std::string TuningEntry::key() const {
  return tuningKey(signature, target, batch);
}

bool TuningDb::decode(const std::vector<uint8_t> &bytes, std::string &error) {
  byKey.clear();
  flatbuffers::Verifier verifier(bytes.data(), bytes.size());
  if (!fb::DatabaseBufferHasIdentifier(bytes.data()) ||
      !fb::VerifyDatabaseBuffer(verifier)) {
    error = "not a valid tuning database (FlatBuffers verification failed)";
    return false;
  }
  const fb::Database *db = fb::GetDatabase(bytes.data());
  if (db->schema_version() != kTuningSchemaVersion) {
    error = "tuning database schema version " +
            std::to_string(db->schema_version()) + ", expected " +
            std::to_string(kTuningSchemaVersion);
    return false;
  }
  if (db->entries())
    for (const fb::Entry *e : *db->entries()) {
      TuningEntry entry;
      entry.signature = e->signature()->str();
      entry.target = e->target()->str();
      entry.batch = e->batch();
      entry.schedule = e->schedule()->str();
      entry.kernel = e->kernel() ? e->kernel()->str() : "";
      entry.defaultMs = e->default_ms();
      entry.bestMs = e->best_ms();
      entry.budgetMinutes = e->budget_minutes();
      entry.candidates = e->candidates();
      entry.seed = e->seed();
      entry.maxError = e->max_error();
      merge(entry);
    }
  return true;
}

bool TuningDb::load(const std::string &path, std::string &warning) {
  byKey.clear();
  struct stat info;
  if (::stat(path.c_str(), &info) != 0 && errno == ENOENT)
    return true;
  std::vector<uint8_t> bytes;
  rt::Status status = rt::readFile(path, "tuning database", bytes);
  if (!status) {
    warning = status.message();
    return false;
  }
  std::string error;
  if (!decode(bytes, error)) {
    warning = path + ": " + error;
    return false;
  }
  return true;
}

std::vector<uint8_t> TuningDb::encode() const {
  flatbuffers::FlatBufferBuilder builder;
  std::vector<flatbuffers::Offset<fb::Entry>> entries;
  for (const auto &[key, e] : byKey)
    entries.push_back(
        fb::CreateEntry(builder, builder.CreateString(e.signature),
                        builder.CreateString(e.target), e.batch,
                        builder.CreateString(e.schedule),
                        builder.CreateString(e.kernel), e.defaultMs, e.bestMs,
                        e.budgetMinutes, e.candidates, e.seed, e.maxError));
  auto db = fb::CreateDatabase(builder, kTuningSchemaVersion,
                               builder.CreateVector(entries));
  fb::FinishDatabaseBuffer(builder, db);
  return std::vector<uint8_t>(builder.GetBufferPointer(),
                              builder.GetBufferPointer() + builder.GetSize());
}

std::string TuningDb::save(const std::string &path) {
  // A file that cannot be read (corrupt, stale) was reported when it was
  // loaded; it is replaced by this database.
  TuningDb onDisk;
  std::string warning;
  if (onDisk.load(path, warning))
    for (const auto &[key, entry] : onDisk.byKey)
      merge(entry);
  std::vector<uint8_t> bytes = encode();
  rt::Status status = rt::writeFileAtomically(path, "tuning database",
                                              bytes.data(), bytes.size());
  return status ? "" : status.message();
}

const TuningEntry *TuningDb::lookup(const std::string &signature,
                                    const std::string &target,
                                    int64_t batch) const {
  auto it = byKey.find(tuningKey(signature, target, batch));
  return it == byKey.end() ? nullptr : &it->second;
}

bool TuningDb::merge(const TuningEntry &entry) {
  auto [it, inserted] = byKey.emplace(entry.key(), entry);
  if (inserted)
    return true;
  TuningEntry &stored = it->second;
  double budget = std::max(stored.budgetMinutes, entry.budgetMinutes);
  bool better = entry.bestMs < stored.bestMs;
  if (better)
    stored = entry;
  stored.budgetMinutes = budget;
  return better || stored.schedule == entry.schedule;
}
