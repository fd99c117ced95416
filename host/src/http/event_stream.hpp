#pragma once

#include <cstdint>
#include <ostream>
#include <string_view>

#include "http/request_context.hpp"
#include "http/stream_limiter.hpp"

namespace devkit::http {

/// A text/event-stream response (Server-Sent Events). The constructor takes a stream slot (503 with
/// Retry-After when the cap is reached, thrown as HttpError), sets a send timeout on the socket
/// (Poco sets none server-side, so a client that stops reading would block the thread), and sends
/// the headers. Each write is flushed as one chunk; a failed write (peer gone) turns good() false,
/// since libstdc++ reports it as badbit rather than an exception.
/// THREADING: one worker thread.
class EventStream {
 public:
  explicit EventStream(RequestContext& ctx);

  /// Writes one event; multi-line data is split into one "data:" line per line.
  bool event(uint64_t id, std::string_view type, std::string_view data);
  /// Writes a comment line (": text"), used as heartbeat and disconnect probe.
  bool comment(std::string_view text);
  bool good() const { return out_ != nullptr && out_->good(); }

 private:
  bool flush();
  StreamLimiter::Slot slot_;
  std::ostream* out_ = nullptr;
};

}  // namespace devkit::http
