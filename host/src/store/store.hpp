#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/failure.hpp"
#include "core/plugin_interfaces.hpp"

namespace devkit::store {

/// One page of a keyset-paged list (storage objects as stored).
struct Page {
  std::vector<nlohmann::json> items;
  std::optional<std::string> nextCursor;
};

/// The storage plugin's JSON operations with the plugin's status codes turned into core::Failure,
/// so services read as plain calls. THREADING: thread-safe (the plugin is).
class Store {
 public:
  explicit Store(std::shared_ptr<core::Storage> storage) : storage_(std::move(storage)) {}

  /// Runs one operation and returns the parsed response. `what` names the object for a 404
  /// ("project"). Throws core::Failure: kNotFound, kConflict, kInvalid (the plugin refused a
  /// value, e.g. U+0000 on PostgreSQL), kUnavailable (database down), kInternal (anything else).
  nlohmann::json call(core::StorageOp op, const nlohmann::json& request, const std::string& what);

  /// A keyset-paged list operation: `request` plus "cursor" when given. A cursor the plugin refuses
  /// is kInvalid naming the field "cursor"; otherwise as call().
  Page list(core::StorageOp op, nlohmann::json request, const std::optional<std::string>& cursor,
            const std::string& what);

  core::Storage& plugin() { return *storage_; }
  const std::shared_ptr<core::Storage>& shared() const { return storage_; }

 private:
  std::shared_ptr<core::Storage> storage_;
};

/// The failure for an unsuccessful outcome of the storage plugin (see Store::call).
core::Failure storageFailure(const core::CallOutcome& outcome, const std::string& what);

}  // namespace devkit::store

namespace devkit::store {

/// A storage that answers every call with DK_ERR_UNAVAILABLE and `reason`: what the host uses when
/// no storage plugin is enabled, so the API says so (503) instead of pretending the routes are
/// missing.
std::shared_ptr<core::Storage> unavailableStorage(std::string reason);

}  // namespace devkit::store
