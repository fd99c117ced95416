#pragma once

#include <filesystem>
#include <string>

namespace devkit::core {

/// The content type for a file name's extension (case-insensitive), or "" when the extension is
/// not known. One table for the web UI's assets and for the files of a project (code, SQL,
/// notebooks, configs, data, images); each caller decides what an unknown extension gets.
std::string contentTypeByExtension(const std::filesystem::path& file);

}  // namespace devkit::core
