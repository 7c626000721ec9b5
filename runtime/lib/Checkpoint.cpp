//===- Checkpoint.cpp - Training checkpoints ------------------------------===//

#include "kiln/runtime/Checkpoint.h"

#include "kiln/runtime/File.h"

#include "kiln/runtime/schemas/checkpoint_generated.h"

#include <sstream>

namespace kiln {
namespace rt {

namespace {

flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<fb::Tensor>>>
buildTensors(flatbuffers::FlatBufferBuilder &fbb,
             const std::vector<NamedTensor> &tensors) {
  std::vector<flatbuffers::Offset<fb::Tensor>> offsets;
  offsets.reserve(tensors.size());
  for (const NamedTensor &t : tensors)
    offsets.push_back(fb::CreateTensor(fbb, fbb.CreateString(t.name),
                                       fbb.CreateVector(t.shape),
                                       fbb.CreateVector(t.data)));
  return fbb.CreateVector(offsets);
}

Status
readTensors(const std::string &path, const char *what,
            const flatbuffers::Vector<flatbuffers::Offset<fb::Tensor>> *tensors,
            std::vector<NamedTensor> &out) {
  out.clear();
  if (!tensors)
    return Status::ok();
  for (const fb::Tensor *t : *tensors) {
    NamedTensor nt;
    nt.name = t->name()->str();
    nt.shape.assign(t->shape()->begin(), t->shape()->end());
    int64_t elements = 1;
    for (int64_t d : nt.shape) {
      if (d < 0)
        return Status::fileError(path, std::string(what) + " tensor '" +
                                           nt.name + "' has a negative extent");
      elements *= d;
    }
    if (static_cast<int64_t>(t->data()->size()) != elements)
      return Status::fileError(
          path, std::string(what) + " tensor '" + nt.name + "' holds " +
                    std::to_string(t->data()->size()) +
                    " values but its shape needs " + std::to_string(elements));
    nt.data.assign(t->data()->begin(), t->data()->end());
    out.push_back(std::move(nt));
  }
  return Status::ok();
}

} // namespace

Status writeCheckpoint(const std::string &path, const CheckpointData &data) {
  flatbuffers::FlatBufferBuilder fbb(1 << 16);
  auto params = buildTensors(fbb, data.parameters);
  auto optState = buildTensors(fbb, data.optimizerState);
  auto bnStats = buildTensors(fbb, data.batchNormStats);
  auto best = buildTensors(fbb, data.bestTensors);
  std::vector<flatbuffers::Offset<fb::EpochFigures>> figures;
  for (const EpochFigures &f : data.history)
    figures.push_back(fb::CreateEpochFigures(fbb, f.loss, f.accuracy, f.valLoss,
                                             f.valAccuracy, f.learningRate));
  auto history = fbb.CreateVector(figures);
  auto rng = fbb.CreateVector(data.rngState);
  auto name = fbb.CreateString(data.modelName);
  fb::CheckpointBuilder cb(fbb);
  cb.add_schema_version(kCheckpointSchemaVersion);
  cb.add_model_hash(data.modelHash);
  cb.add_model_name(name);
  cb.add_epoch(data.epoch);
  cb.add_step(data.step);
  cb.add_rng_state(rng);
  cb.add_parameters(params);
  cb.add_optimizer_state(optState);
  cb.add_batchnorm_stats(bnStats);
  cb.add_batch_in_epoch(data.batchInEpoch);
  cb.add_epoch_loss_sum(data.epochLossSum);
  cb.add_epoch_correct(data.epochCorrect);
  cb.add_epoch_samples(data.epochSamples);
  cb.add_early_stopping_wait(data.earlyStoppingWait);
  cb.add_early_stopping_best(data.earlyStoppingBest);
  cb.add_early_stopping_best_epoch(data.earlyStoppingBestEpoch);
  cb.add_best_tensors(best);
  cb.add_history(history);
  cb.add_finished(data.finished);
  cb.add_batch_size(data.batchSize);
  cb.add_train_samples(data.trainSamples);
  fb::FinishCheckpointBuffer(fbb, cb.Finish());

  return writeFileAtomically(path, "checkpoint", fbb.GetBufferPointer(),
                             fbb.GetSize());
}

Status readCheckpoint(const std::string &path, uint64_t expectedHash,
                      const std::string &expectedName, CheckpointData &out) {
  std::vector<uint8_t> bytes;
  if (Status s = readFile(path, "checkpoint", bytes); !s)
    return s;
  return parseCheckpoint(path, bytes, expectedHash, expectedName, out);
}

bool looksLikeCheckpoint(const std::vector<uint8_t> &bytes) {
  return bytes.size() >= 8 && flatbuffers::BufferHasIdentifier(
                                  bytes.data(), fb::CheckpointIdentifier());
}

Status parseCheckpoint(const std::string &path,
                       const std::vector<uint8_t> &bytes, uint64_t expectedHash,
                       const std::string &expectedName, CheckpointData &out) {
  if (!looksLikeCheckpoint(bytes))
    return Status::fileError(path, "not a Kiln checkpoint (bad header)");
  flatbuffers::Verifier verifier(bytes.data(), bytes.size());
  if (!fb::VerifyCheckpointBuffer(verifier))
    return Status::fileError(path, "checkpoint is truncated or corrupt (" +
                                       std::to_string(bytes.size()) +
                                       " bytes)");
  const fb::Checkpoint *ckpt = fb::GetCheckpoint(bytes.data());
  if (ckpt->schema_version() != kCheckpointSchemaVersion)
    return Status::fileError(path,
                             "checkpoint schema version " +
                                 std::to_string(ckpt->schema_version()) +
                                 " is not the supported version " +
                                 std::to_string(kCheckpointSchemaVersion));
  std::string name = ckpt->model_name() ? ckpt->model_name()->str() : "";
  if (expectedHash && ckpt->model_hash() != expectedHash) {
    std::ostringstream os;
    os << "checkpoint belongs to model '" << name << "' (hash " << std::hex
       << ckpt->model_hash() << "), not to '" << expectedName << "' (hash "
       << expectedHash << ")";
    return Status::fileError(path, os.str());
  }
  CheckpointData data;
  data.modelHash = ckpt->model_hash();
  data.modelName = name;
  data.epoch = ckpt->epoch();
  data.step = ckpt->step();
  if (ckpt->rng_state())
    data.rngState.assign(ckpt->rng_state()->begin(), ckpt->rng_state()->end());
  if (Status s =
          readTensors(path, "parameter", ckpt->parameters(), data.parameters);
      !s)
    return s;
  if (Status s = readTensors(path, "optimizer-state", ckpt->optimizer_state(),
                             data.optimizerState);
      !s)
    return s;
  if (Status s = readTensors(path, "batchnorm", ckpt->batchnorm_stats(),
                             data.batchNormStats);
      !s)
    return s;
  if (Status s = readTensors(path, "best-epoch", ckpt->best_tensors(),
                             data.bestTensors);
      !s)
    return s;
  data.batchInEpoch = ckpt->batch_in_epoch();
  data.epochLossSum = ckpt->epoch_loss_sum();
  data.epochCorrect = ckpt->epoch_correct();
  data.epochSamples = ckpt->epoch_samples();
  data.earlyStoppingWait = ckpt->early_stopping_wait();
  data.earlyStoppingBest = ckpt->early_stopping_best();
  data.earlyStoppingBestEpoch = ckpt->early_stopping_best_epoch();
  if (ckpt->history())
    for (const fb::EpochFigures *f : *ckpt->history())
      data.history.push_back({f->loss(), f->accuracy(), f->val_loss(),
                              f->val_accuracy(), f->lr()});
  data.finished = ckpt->finished();
  data.batchSize = ckpt->batch_size();
  data.trainSamples = ckpt->train_samples();
  out = std::move(data);
  return Status::ok();
}

} // namespace rt
} // namespace kiln
