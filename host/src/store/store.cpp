#include "store/store.hpp"

#include "logging/logging.hpp"

namespace devkit::store {

using core::Failure;
using core::FailureKind;

core::Failure storageFailure(const core::CallOutcome& outcome, const std::string& what) {
  switch (outcome.status) {
    case DK_ERR_NOT_FOUND:
      return Failure::notFound(what);
    case DK_ERR_CONFLICT:
      return Failure(FailureKind::kConflict, "conflict", outcome.error);
    case DK_ERR_INVALID_ARGUMENT:
      return Failure(FailureKind::kInvalid, "invalid_value",
                     "storage refused a value: " + outcome.error);
    case DK_ERR_UNAVAILABLE:
      return Failure(FailureKind::kUnavailable, "storage_unavailable",
                     "storage is unavailable: " + outcome.error);
    default:
      logging::get("storage")->error("storage call failed (status {}): {}",
                                     static_cast<int>(outcome.status), outcome.error);
      return Failure(FailureKind::kInternal, "storage_error", "storage failed; see the server log");
  }
}

nlohmann::json Store::call(core::StorageOp op, const nlohmann::json& request,
                           const std::string& what) {
  const core::CallOutcome outcome = storage_->call(op, request.dump());
  if (!outcome.ok()) {
    throw storageFailure(outcome, what);
  }
  nlohmann::json parsed = nlohmann::json::parse(outcome.output, nullptr, false);
  if (parsed.is_discarded()) {
    logging::get("storage")->error("storage answered with invalid JSON");
    throw Failure(FailureKind::kInternal, "storage_error", "storage failed; see the server log");
  }
  return parsed;
}

Page Store::list(core::StorageOp op, nlohmann::json request,
                 const std::optional<std::string>& cursor, const std::string& what) {
  if (cursor) request["cursor"] = *cursor;
  nlohmann::json answer;
  try {
    answer = call(op, request, what);
  } catch (const Failure& f) {
    if (f.kind() == FailureKind::kInvalid && cursor) {
      throw Failure::invalid("cursor", "\"cursor\" is not a cursor this list gave out");
    }
    throw;
  }
  Page page;
  for (nlohmann::json& item : answer["items"]) page.items.push_back(std::move(item));
  if (answer.contains("next_cursor") && answer["next_cursor"].is_string()) {
    page.nextCursor = answer["next_cursor"].get<std::string>();
  }
  return page;
}

}  // namespace devkit::store

namespace devkit::store {
namespace {

class UnavailableStorage final : public core::Storage {
 public:
  explicit UnavailableStorage(std::string reason) : reason_(std::move(reason)) {}
  nlohmann::json health() override { return {{"status", "down"}, {"detail", reason_}}; }
  core::CallOutcome call(core::StorageOp, const std::string&) override { return refuse(); }
  core::CallOutcome putArchive(const std::string&, std::function<int64_t(char*, size_t)>) override {
    return refuse();
  }
  core::CallOutcome getArchive(const std::string&, std::function<bool(std::string_view)>) override {
    return refuse();
  }
  core::CallOutcome putState(const std::string&) override { return refuse(); }

 private:
  core::CallOutcome refuse() const { return {DK_ERR_UNAVAILABLE, "", reason_}; }
  std::string reason_;
};

}  // namespace

std::shared_ptr<core::Storage> unavailableStorage(std::string reason) {
  return std::make_shared<UnavailableStorage>(std::move(reason));
}

}  // namespace devkit::store
