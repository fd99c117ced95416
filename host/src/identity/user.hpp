#pragma once

#include <string>

namespace devkit::identity {

/// The person a request acts for. `email` is the owner key of everything they create.
struct User {
  std::string email;        // lower-cased; 1-320 bytes, printable, no spaces
  std::string displayName;  // for people; never used as a key
  /// The user's own Databricks token forwarded by the Databricks Apps proxy (on-behalf-of-user),
  /// or empty. A secret: never logged, serialised, or written to a file.
  std::string accessToken;
};

}  // namespace devkit::identity
