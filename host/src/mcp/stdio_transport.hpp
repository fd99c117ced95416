#pragma once

#include <istream>
#include <ostream>

#include "mcp/mcp_server.hpp"

namespace devkit::mcp {

/// MCP over stdio: one JSON-RPC message per line in, one per line out (`devkit mcp --stdio`).
/// Each request runs on its own thread, so notifications/cancelled and ping are read while a
/// tool works; writes to `out` are serialized. Returns at the end of `in`, after the calls in
/// flight have answered. Nothing but MCP messages is written to `out` (logs go to stderr).
void runStdio(McpServer& server, const CallContext& context, std::istream& in, std::ostream& out);

}  // namespace devkit::mcp
