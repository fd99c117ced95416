#pragma once

#include <chrono>
#include <memory>
#include <string>

#include <Poco/Net/HTTPServer.h>
#include <Poco/ThreadPool.h>

#include "http/request_context.hpp"
#include "http/router.hpp"
#include "http/shutdown_signal.hpp"
#include "http/static_files.hpp"
#include "http/stream_limiter.hpp"

namespace devkit::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8000;  // 0 = any free port
  int maxThreads = 128;
  int maxStreams = 64;
  int keepAliveTimeoutS = 5;
  int requestTimeoutS = 20;
  RequestLimits limits;
  std::string webroot;  // empty = no static files
  std::string serverName = "devkit";
};

/// The host's HTTP server: Poco's HTTPServer on its own thread pool (sized for long-lived streams,
/// never Poco's default pool of 16), one router for /api, /healthz and /mcp, static files for
/// everything else, and one JSON error shape for every failure (no std::exception escapes a
/// handler: Poco would drop the connection without an answer).
/// THREADING: construct, add routes, start and stop from one thread; handlers run on the pool.
class HttpServer {
 public:
  HttpServer(ServerOptions options, std::shared_ptr<Router> router);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  /// Binds and starts accepting. Throws Poco::Net::NetException (e.g. address in use).
  void start();
  /// The bound port (useful with port 0).
  int port() const;
  /// Graceful stop: stops accepting, tells streams to end (ShutdownSignal), aborts what is left
  /// after a short grace, and joins the worker threads. Returns false if workers were still busy
  /// when `deadline` passed (the caller should then exit without tearing down plugins).
  bool stop(std::chrono::milliseconds deadline);

  ShutdownSignal& shutdownSignal() { return shutdown_; }
  StreamLimiter& streams() { return streams_; }

 private:
  class Factory;
  ServerOptions options_;
  std::shared_ptr<Router> router_;
  std::shared_ptr<StaticFiles> staticFiles_;
  ShutdownSignal shutdown_;
  StreamLimiter streams_;
  std::unique_ptr<Poco::ThreadPool> pool_;
  std::unique_ptr<Poco::Net::HTTPServer> server_;
  bool stopped_ = false;
};

}  // namespace devkit::http
