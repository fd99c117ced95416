#include "sql/result_format.hpp"

namespace devkit::databricks::sql {

using json = nlohmann::json;

std::string csvLine(const Row& row) {
  std::string out;
  for (size_t i = 0; i < row.size(); ++i) {
    if (i > 0) out += ',';
    if (!row[i]) continue;
    const std::string& v = *row[i];
    if (v.find_first_of(",\"\r\n") == std::string::npos) {
      out += v;
      continue;
    }
    out += '"';
    for (char c : v) {
      if (c == '"') out += '"';
      out += c;
    }
    out += '"';
  }
  out += '\n';
  return out;
}

namespace {

std::string markdownCell(const std::optional<std::string>& value, size_t maxCell) {
  if (!value) return "NULL";
  std::string out;
  size_t chars = 0;
  for (size_t i = 0; i < value->size(); ++i) {
    const char c = (*value)[i];
    // Count UTF-8 code points, cutting only at a boundary.
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80 && ++chars > maxCell) {
      out += "…";
      break;
    }
    if (c == '|') {
      out += "\\|";
    } else if (c == '\n' || c == '\r') {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

std::string markdownRow(const Row& row, size_t maxCell) {
  std::string line = "|";
  for (const auto& v : row) line += " " + markdownCell(v, maxCell) + " |";
  return line + "\n";
}

}  // namespace

std::string markdownTable(const std::vector<Column>& columns, const std::vector<Row>& rows,
                          size_t maxCell) {
  if (columns.empty()) return "";
  std::string out = "|";
  std::string rule = "|";
  for (const Column& c : columns) {
    out += " " + markdownCell(c.name, maxCell) + " |";
    rule += " --- |";
  }
  out += "\n" + rule + "\n";
  for (const Row& row : rows) out += markdownRow(row, maxCell);
  return out;
}

json rowsJson(const std::vector<Row>& rows) {
  json out = json::array();
  for (const Row& row : rows) {
    json r = json::array();
    for (const auto& v : row) r.push_back(v ? json(*v) : json(nullptr));
    out.push_back(std::move(r));
  }
  return out;
}

json columnsJson(const std::vector<Column>& columns) {
  json out = json::array();
  for (const Column& c : columns) out.push_back({{"name", c.name}, {"type", c.type}});
  return out;
}

ResultCollector::ResultCollector(const ToolContext* ctx, Options options)
    : ctx_(ctx), options_(std::move(options)) {}

ResultCollector::~ResultCollector() = default;

RowSink ResultCollector::sink() {
  RowSink s;
  s.onColumns = [this](const std::vector<Column>& columns) { onColumns(columns); };
  s.onRow = [this](const Row& row) { return onRow(row); };
  return s;
}

void ResultCollector::onColumns(const std::vector<Column>& columns) {
  columns_ = columns;
  Row header;
  for (const Column& c : columns) header.emplace_back(c.name);
  if (!columns.empty()) csv_ = csvLine(header);
}

bool ResultCollector::onRow(const Row& row) {
  ++seen_;
  if (!full_) {
    size_t md = 2;
    size_t js = 3;
    for (const auto& v : row) {
      const size_t n = v ? std::min<size_t>(v->size(), 300) : 4;
      md += n + 3;
      js += (v ? v->size() + 3 : 5);
    }
    if (shown_.size() < options_.maxShownRows && markdownChars_ + md <= options_.budgetChars &&
        jsonChars_ + js <= options_.budgetChars) {
      markdownChars_ += md;
      jsonChars_ += js;
      shown_.push_back(row);
      if (options_.saveOverflow) csv_ += csvLine(row);
      return true;
    }
    full_ = true;
    if (!options_.saveOverflow || !startFile()) return false;
  }
  if (!file_) return false;
  const std::string line = csvLine(row);
  file_->write(line.data(), static_cast<std::streamsize>(line.size()));
  return static_cast<bool>(*file_);
}

bool ResultCollector::startFile() {
  if (ctx_ == nullptr || ctx_->caller().projectDir.empty()) {
    notSaved_ = "there is no project to save the full result in";
    return false;
  }
  try {
    savedTo_ = ctx_->saveResult(options_.tool, "csv", csv_);
  } catch (const ToolFailure& e) {
    notSaved_ = e.what();
    return false;
  }
  csv_.clear();
  csv_.shrink_to_fit();
  file_ = std::make_unique<std::ofstream>(ctx_->caller().projectDir / savedTo_,
                                          std::ios::binary | std::ios::app);
  if (!*file_) {
    notSaved_ = "could not open " + savedTo_ + " for writing";
    file_.reset();
    return false;
  }
  return true;
}

void ResultCollector::finish() {
  if (!file_) return;
  file_->flush();
  const bool ok = static_cast<bool>(*file_);
  file_.reset();
  if (!ok) throw ToolFailure("writing the result to " + savedTo_ + " failed (disk full?)");
}

}  // namespace devkit::databricks::sql
