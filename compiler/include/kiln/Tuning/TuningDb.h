//===- TuningDb.h - The tuning database -------------------------*- C++ -*-===//
//
// The best measured schedule per kernel, keyed by (structural signature,
// target, batch), stored as FlatBuffers (compiler/tuning/schemas/tuning.fbs).
// kiln-tune merges into it after every kernel; kiln-assign-schedules (and so
// kilnc --tuning-db) reads it. Loading runs the FlatBuffers verifier and
// checks the schema version: a corrupt or stale file is reported and treated
// as empty, so it can cost speed but never give a wrong program.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_TUNING_TUNINGDB_H
#define KILN_TUNING_TUNINGDB_H

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace kiln {
namespace tuning {

/// Version written into every database; files with another are ignored.
constexpr uint32_t kTuningSchemaVersion = 1;

/// One kernel's best known schedule (see tuning.fbs for each field).
struct TuningEntry {
  std::string signature;
  std::string target;
  int64_t batch = 0;
  std::string schedule;
  std::string kernel;
  double defaultMs = 0;
  double bestMs = 0;
  double budgetMinutes = 0;
  unsigned candidates = 0;
  uint64_t seed = 0;
  double maxError = 0;

  /// The database key: "signature target batch".
  std::string key() const;
};

/// The key of (signature, target, batch), as TuningEntry::key().
std::string tuningKey(const std::string &signature, const std::string &target,
                      int64_t batch);

/// A tuning database in memory.
class TuningDb {
public:
  /// Reads `path`. A missing file is an empty database and no warning.
  /// A file that fails the verifier or has another schema version leaves
  /// the database empty, sets `warning` (naming the file) and returns
  /// false.
  bool load(const std::string &path, std::string &warning);

  /// Decodes a database from bytes; on failure sets `error` (without a
  /// file name) and leaves the database empty.
  bool decode(const std::vector<uint8_t> &bytes, std::string &error);

  /// The FlatBuffers bytes of the database, entries in key order.
  std::vector<uint8_t> encode() const;

  /// Writes the database to `path` atomically (temporary file + rename),
  /// first merging in what `path` holds now, so runs that share a file
  /// keep each other's results. Returns an error message or "".
  std::string save(const std::string &path);

  /// The entry for (signature, target, batch), or null.
  const TuningEntry *lookup(const std::string &signature,
                            const std::string &target, int64_t batch) const;

  /// Merges `entry`: the faster of it and the stored entry of its key is
  /// kept, with the larger budget of the two. Returns whether `entry`'s
  /// schedule is the one kept.
  bool merge(const TuningEntry &entry);

  const std::map<std::string, TuningEntry> &entries() const { return byKey; }

private:
  std::map<std::string, TuningEntry> byKey;
};

} // namespace tuning
} // namespace kiln

#endif // KILN_TUNING_TUNINGDB_H
