#include "devkit/storage/util.hpp"

#include <Poco/DigestEngine.h>
#include <Poco/SHA2Engine.h>

#include <chrono>

namespace devkit::storage {

int64_t nowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Sha256::Sha256() : engine_(std::make_unique<Poco::SHA2Engine>(Poco::SHA2Engine::SHA_256)) {}

Sha256::~Sha256() = default;

void Sha256::update(const void* data, size_t size) {
  if (size > 0) {
    engine_->update(data, size);
  }
}

std::string Sha256::hexDigest() {
  // digest() resets the engine, which is what "starts over" promises.
  return Poco::DigestEngine::digestToHex(engine_->digest());
}

std::string sha256Hex(std::string_view data) {
  Sha256 hasher;
  hasher.update(data);
  return hasher.hexDigest();
}

}  // namespace devkit::storage
