// Placeholder: the client commands are registered here.
#include "cli.hpp"

namespace gpram::cli {
void register_client(CLI::App& /*app*/) {}
}  // namespace gpram::cli
