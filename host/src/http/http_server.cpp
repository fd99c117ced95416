#include "http/http_server.hpp"

#include <future>
#include <thread>

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/URI.h>

#include "core/failure.hpp"
#include "http/http_error.hpp"
#include "logging/logging.hpp"

namespace devkit::http {
namespace {

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

int statusOf(core::FailureKind kind) {
  switch (kind) {
    case core::FailureKind::kInvalid:
      return 400;
    case core::FailureKind::kNotFound:
      return 404;
    case core::FailureKind::kConflict:
      return 409;
    case core::FailureKind::kTooLarge:
      return 413;
    case core::FailureKind::kUnavailable:
      return 503;
    case core::FailureKind::kInternal:
      break;
  }
  return 500;
}

// The answer is out but the client may still be sending a body we will not read. Closing now would
// make the kernel reset the connection, and the client would lose the answer it has not read yet.
// So: stop sending, then read and discard what arrives for a short while (a "lingering close").
void lingeringClose(Poco::Net::HTTPServerRequest& request) {
  auto* impl = dynamic_cast<Poco::Net::HTTPServerRequestImpl*>(&request);
  if (impl == nullptr) return;
  try {
    Poco::Net::StreamSocket& socket = impl->socket();
    socket.shutdownSend();
    socket.setReceiveTimeout(Poco::Timespan(0, 200000));
    char buffer[16384];
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (std::chrono::steady_clock::now() < until &&
           socket.receiveBytes(buffer, sizeof buffer) > 0) {
    }
  } catch (const Poco::Exception&) {
    // Timeout or reset: the connection is done either way.
  }
}

class Dispatcher final : public Poco::Net::HTTPRequestHandler {
 public:
  Dispatcher(const Router& router, const StaticFiles* staticFiles, const RequestLimits& limits,
             ShutdownSignal& shutdown, StreamLimiter& streams)
      : router_(router),
        staticFiles_(staticFiles),
        limits_(limits),
        shutdown_(shutdown),
        streams_(streams) {}

  void handleRequest(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response) override {
    static const auto log = logging::get("http");
    const auto started = std::chrono::steady_clock::now();
    std::string path;
    try {
      path = Poco::URI(request.getURI()).getPath();
    } catch (const Poco::Exception&) {
      sendError(response, 400, "invalid_uri", "the request URI cannot be parsed");
      return;
    }
    RequestContext ctx(request, response, path, limits_, shutdown_, streams_);
    try {
      route(ctx);
      if (!response.sent()) {
        log->error("{} {}: the handler sent no response", request.getMethod(), path);
        sendError(response, 500, "internal", "the server sent no response");
      }
    } catch (const HttpError& e) {
      if (e.status() >= 500) {
        log->warn("{} {}: {} {}", request.getMethod(), path, e.status(), e.what());
      }
      sendErrorOrLog(response, e.status(), e.code(), e.what(), e.field());
    } catch (const core::Failure& e) {
      const int status = statusOf(e.kind());
      if (status == 503) response.set("Retry-After", "5");
      if (status >= 500) {
        log->warn("{} {}: {} {}", request.getMethod(), path, status, e.what());
      }
      sendErrorOrLog(response, status, e.code(), e.what(), e.field());
    } catch (const Poco::Exception& e) {
      log->error("{} {}: {}", request.getMethod(), path, e.displayText());
      sendErrorOrLog(response, 500, "internal", "internal error; see the server log");
    } catch (const std::exception& e) {
      log->error("{} {}: {}", request.getMethod(), path, e.what());
      sendErrorOrLog(response, 500, "internal", "internal error; see the server log");
    } catch (...) {
      log->error("{} {}: unknown exception", request.getMethod(), path);
      sendErrorOrLog(response, 500, "internal", "internal error; see the server log");
    }
    if (ctx.bodyUnread && response.sent()) {
      lingeringClose(request);
    }
    if (log->should_log(spdlog::level::debug)) {
      log->debug("{} {} {} {}ms", request.getMethod(), path, static_cast<int>(response.getStatus()),
                 std::chrono::duration_cast<std::chrono::milliseconds>(
                     std::chrono::steady_clock::now() - started)
                     .count());
    }
  }

 private:
  void route(RequestContext& ctx) {
    Router::Match m = router_.match(ctx.request.getMethod(), ctx.path);
    if (m.handler != nullptr) {
      ctx.params = std::move(m.params);
      (*m.handler)(ctx);
      return;
    }
    if (!m.allowedMethods.empty()) {
      ctx.response.set("Allow", join(m.allowedMethods));
      throw HttpError(405, "method_not_allowed",
                      ctx.request.getMethod() + " is not allowed on " + ctx.path +
                          " (allowed: " + join(m.allowedMethods) + ")");
    }
    if (ctx.path == "/api" || ctx.path.rfind("/api/", 0) == 0 || staticFiles_ == nullptr) {
      throw HttpError(404, "not_found",
                      "no such endpoint: " + ctx.request.getMethod() + " " + ctx.path);
    }
    staticFiles_->serve(ctx);
  }

  static void sendErrorOrLog(Poco::Net::HTTPServerResponse& response, int status,
                             const std::string& code, const std::string& message,
                             const std::string& field = {}) {
    if (!response.sent()) {
      sendError(response, status, code, message, field);
    }
  }

  const Router& router_;
  const StaticFiles* staticFiles_;
  const RequestLimits& limits_;
  ShutdownSignal& shutdown_;
  StreamLimiter& streams_;
};

}  // namespace

class HttpServer::Factory final : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit Factory(HttpServer& server) : server_(server) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(
      const Poco::Net::HTTPServerRequest&) override {
    return new Dispatcher(*server_.router_, server_.staticFiles_.get(), server_.options_.limits,
                          server_.shutdown_, server_.streams_);
  }

 private:
  HttpServer& server_;
};

HttpServer::HttpServer(ServerOptions options, std::shared_ptr<Router> router)
    : options_(std::move(options)), router_(std::move(router)), streams_(options_.maxStreams) {
  if (!options_.webroot.empty()) {
    staticFiles_ = std::make_shared<StaticFiles>(options_.webroot);
  }
}

HttpServer::~HttpServer() {
  if (server_ && !stopped_) {
    stop(std::chrono::seconds(10));
  }
}

void HttpServer::start() {
  // Bind without SO_REUSEPORT: Poco's ServerSocket(address) constructor sets it along with
  // SO_REUSEADDR, which would let a second devkit silently share the port instead of failing.
  Poco::Net::ServerSocket socket;
  socket.bind(Poco::Net::SocketAddress(options_.host, static_cast<uint16_t>(options_.port)),
              /*reuseAddress=*/true, /*reusePort=*/false);
  socket.listen(128);
  auto params = Poco::Net::HTTPServerParams::Ptr(new Poco::Net::HTTPServerParams);
  params->setMaxThreads(options_.maxThreads);
  params->setMaxQueued(options_.maxThreads);
  params->setKeepAlive(true);
  params->setKeepAliveTimeout(Poco::Timespan(options_.keepAliveTimeoutS, 0));
  params->setTimeout(Poco::Timespan(options_.requestTimeoutS, 0));
  params->setServerName(options_.serverName);
  // Poco's dispatcher threads wait this long for a connection before re-checking "stopped"; one
  // that reaches its wait just after stop() woke the others sleeps it out and holds shutdown
  // (the default, 10 s, equals our shutdown deadline). Idle threads cost nothing to restart.
  params->setThreadIdleTime(Poco::Timespan(1, 0));
  params->setSoftwareVersion(options_.serverName);
  // A dedicated pool: Poco's default pool holds 16 threads, and every open stream or idle
  // keep-alive socket holds one for its whole life.
  pool_ = std::make_unique<Poco::ThreadPool>("http", 4, options_.maxThreads, 60);
  server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(*this), *pool_, socket, params);
  server_->start();
}

int HttpServer::port() const { return server_ ? server_->port() : 0; }

bool HttpServer::stop(std::chrono::milliseconds deadline) {
  if (!server_ || stopped_) {
    return true;
  }
  stopped_ = true;
  const auto until = std::chrono::steady_clock::now() + deadline;
  shutdown_.trigger();
  // Give streams a moment to end on their own (they wake on the signal), then abort the rest:
  // stopAll(false) would wait for every open connection.
  while (streams_.open() > 0 && std::chrono::steady_clock::now() < until - deadline / 2) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  server_->stopAll(true);
  // joinAll has no timeout; join on a helper thread so a stuck worker cannot hold shutdown hostage.
  auto joined = std::make_shared<std::promise<void>>();
  std::future<void> done = joined->get_future();
  std::thread([pool = pool_.get(), joined] {
    pool->joinAll();
    joined->set_value();
  }).detach();
  if (done.wait_until(until) == std::future_status::ready) {
    return true;
  }
  logging::get("http")->error("workers still busy after the shutdown deadline; exiting anyway");
  // The pool and server cannot be destroyed while a worker runs: leave them to the process exit.
  (void)server_.release();
  (void)pool_.release();
  return false;
}

}  // namespace devkit::http
