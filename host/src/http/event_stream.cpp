#include "http/event_stream.hpp"

#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Timespan.h>

#include "http/http_error.hpp"

namespace devkit::http {

EventStream::EventStream(RequestContext& ctx) : slot_(ctx.streams.tryAcquire()) {
  if (!slot_) {
    ctx.response.set("Retry-After", "2");
    throw HttpError(503, "too_many_streams",
                    "the server has " + std::to_string(ctx.streams.capacity()) +
                        " open event streams, its limit; retry shortly");
  }
  auto& impl = static_cast<Poco::Net::HTTPServerRequestImpl&>(ctx.request);
  impl.socket().setSendTimeout(Poco::Timespan(ctx.limits.sendTimeoutS, 0));
  ctx.response.setChunkedTransferEncoding(true);
  ctx.response.setContentType("text/event-stream; charset=utf-8");
  ctx.response.set("Cache-Control", "no-cache");
  ctx.response.set("X-Accel-Buffering", "no");  // proxies must not buffer the stream
  ctx.response.setKeepAlive(false);
  out_ = &ctx.response.send();
  flush();
}

bool EventStream::flush() {
  out_->flush();
  return out_->good();
}

bool EventStream::event(uint64_t id, std::string_view type, std::string_view data) {
  if (!good()) return false;
  *out_ << "id: " << id << "\nevent: " << type << "\n";
  size_t start = 0;
  while (true) {
    const size_t nl = data.find('\n', start);
    *out_ << "data: " << data.substr(start, nl == std::string_view::npos ? nl : nl - start) << "\n";
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
  *out_ << "\n";
  return flush();
}

bool EventStream::comment(std::string_view text) {
  if (!good()) return false;
  *out_ << ": " << text << "\n\n";
  return flush();
}

}  // namespace devkit::http
