// StorageAdapter: the storage kind's JSON side (docs/storage.md) over a typed StorageBackend.
#pragma once

#include <devkit/sdk.hpp>

#include <memory>
#include <string>
#include <string_view>

#include "devkit/storage/backend.hpp"

namespace devkit::storage {

/// Parses and validates each request, fills defaults, converts keyset cursors, assembles pages and
/// serialises records; the backend does the storing. Shared by storage-local and storage-lakebase.
/// THREADING: as thread-safe as the backend (it keeps no state of its own).
class StorageAdapter : public devkit::sdk::Storage {
 public:
  explicit StorageAdapter(std::unique_ptr<StorageBackend> backend);

  std::string putProject(std::string_view request) override;
  std::string getProject(std::string_view request) override;
  std::string listProjects(std::string_view request) override;
  std::string deleteProject(std::string_view request) override;
  std::string putConversation(std::string_view request) override;
  std::string getConversation(std::string_view request) override;
  std::string listConversations(std::string_view request) override;
  std::string deleteConversation(std::string_view request) override;
  std::string appendMessages(std::string_view request) override;
  std::string listMessages(std::string_view request) override;
  std::string putRun(std::string_view request) override;
  std::string getRun(std::string_view request) override;
  std::string listRuns(std::string_view request) override;
  std::string appendRunEvents(std::string_view request) override;
  std::string listRunEvents(std::string_view request) override;
  std::string putArchive(std::string_view request, const devkit::sdk::Source& data) override;
  void getArchive(std::string_view request, const devkit::sdk::Sink& data) override;
  std::string statArchive(std::string_view request) override;
  std::string deleteArchive(std::string_view request) override;
  void putState(std::string_view request) override;
  std::string getState(std::string_view request) override;
  std::string health() override;

  StorageBackend& backend() { return *backend_; }

 private:
  std::unique_ptr<StorageBackend> backend_;
};

}  // namespace devkit::storage
