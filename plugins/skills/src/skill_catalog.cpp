#include "skill_catalog.hpp"

#include <devkit/json.hpp>

#include <algorithm>
#include <string>
#include <system_error>
#include <utility>

namespace devkit::skills {
namespace {

namespace fs = std::filesystem;
namespace json = devkit::sdk::json;

std::string pathText(const fs::path& p) { return toValidUtf8(p.string()); }

json::Array errorsJson(const SkillReport& report) {
  json::Array errors;
  for (const Problem& p : report.errors) {
    errors.push_back(json::Object{{"file", p.file}, {"reason", p.reason}});
  }
  return errors;
}

std::string listingJson(const Snapshot& s) {
  json::Array skills;
  for (const SkillReport& r : s.skills) {
    json::Array files;
    for (const std::string& f : r.files) files.push_back(f);
    json::Object skill{{"name", r.name},
                       {"description", r.description},
                       {"dir", pathText(r.dir)},
                       {"files", std::move(files)}};
    if (!r.tools.empty()) {
      json::Array tools;
      for (const std::string& t : r.tools) tools.push_back(t);
      skill.emplace_back("tools", std::move(tools));
    }
    skills.push_back(std::move(skill));
  }
  json::Array invalid;
  for (const SkillReport& r : s.invalid) {
    // "path" is abi.h's member; "dir", "file" and "reason" name the folder, the file at fault and
    // the first reason; "errors" has every reason.
    invalid.push_back(json::Object{{"path", pathText(r.dir)},
                                   {"dir", pathText(r.dir)},
                                   {"file", r.errors.front().file},
                                   {"reason", r.errors.front().reason},
                                   {"errors", errorsJson(r)}});
  }
  return json::Value(json::Object{{"skills", std::move(skills)}, {"invalid", std::move(invalid)}})
      .dump();
}

}  // namespace

fs::path normalisedDir(const fs::path& p) {
  fs::path out = fs::absolute(p).lexically_normal();
  if (!out.has_filename() && out.has_relative_path()) out = out.parent_path();
  return out;
}

std::shared_ptr<const Snapshot> SkillCatalog::current() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return current_;
}

std::shared_ptr<const Snapshot> SkillCatalog::reload() {
  std::lock_guard<std::mutex> serial(reloadMutex_);
  std::shared_ptr<const Snapshot> next = scan(dir_);
  std::lock_guard<std::mutex> lock(mutex_);
  current_ = next;
  return next;
}

std::shared_ptr<const Snapshot> SkillCatalog::scan(const fs::path& dir) {
  auto s = std::make_shared<Snapshot>();
  s->dir = dir;
  std::error_code ec;
  const fs::file_status st = fs::status(dir, ec);
  if (!fs::exists(st)) {
    s->dirProblem = "the skills dir " + pathText(dir) + " does not exist";
  } else if (!fs::is_directory(st)) {
    s->dirProblem = "the skills dir " + pathText(dir) + " is not a directory";
  }
  std::vector<fs::path> folders;
  if (s->dirProblem.empty()) {
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      const std::string name = it->path().filename().string();
      if (name.empty() || name.front() == '.') continue;  // .git, editors' files
      std::error_code statEc;
      // A folder, or a link to one: the operator's choice; plain files (a README) are not skills.
      if (fs::is_directory(it->path(), statEc)) folders.push_back(it->path());
    }
    if (ec) s->dirProblem = "cannot read the skills dir " + pathText(dir) + ": " + ec.message();
  }
  std::sort(folders.begin(), folders.end());
  for (const fs::path& folder : folders) {
    SkillReport report = validateSkillDir(folder);
    (report.valid() ? s->skills : s->invalid).push_back(std::move(report));
  }
  s->listingJson = listingJson(*s);
  return s;
}

std::string SkillCatalog::healthJson() const {
  const std::shared_ptr<const Snapshot> s = current();
  const size_t valid = s ? s->skills.size() : 0;
  const size_t invalid = s ? s->invalid.size() : 0;
  std::string status = "ok";
  std::string detail;
  std::error_code ec;
  if (!s) {
    status = "down";
    detail = "the skills dir was never scanned";
  } else if (!s->dirProblem.empty()) {
    status = "down";
    detail = s->dirProblem;
  } else if (!fs::is_directory(dir_, ec)) {
    status = "down";
    detail = "the skills dir " + pathText(dir_) + " no longer exists";
  } else if (invalid > 0) {
    status = "degraded";
    detail = std::to_string(invalid) + " of " + std::to_string(valid + invalid) +
             " skill folders are invalid: ";
    for (size_t i = 0; i < invalid && i < 3; ++i) {
      const SkillReport& r = s->invalid[i];
      if (i > 0) detail += "; ";
      detail += pathText(r.dir.filename()) + " (" + r.errors.front().file + ": " +
                r.errors.front().reason + ")";
    }
    if (invalid > 3) detail += "; ...";
  } else {
    detail = std::to_string(valid) + (valid == 1 ? " skill" : " skills");
  }
  return json::Value(json::Object{{"status", status},
                                  {"detail", detail},
                                  {"dir", pathText(dir_)},
                                  {"skills", static_cast<int64_t>(valid)},
                                  {"invalid", static_cast<int64_t>(invalid)}})
      .dump();
}

std::string SkillCatalog::reportJson(const SkillReport& report) {
  json::Object out{{"valid", report.valid()}};
  if (!report.name.empty()) out.emplace_back("name", report.name);
  if (!report.description.empty()) out.emplace_back("description", report.description);
  out.emplace_back("errors", errorsJson(report));
  return json::Value(std::move(out)).dump();
}

}  // namespace devkit::skills
