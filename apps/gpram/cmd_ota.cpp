// Placeholder: the ota commands are registered here.
#include "cli.hpp"

namespace gpram::cli {
void register_ota(CLI::App& /*app*/) {}
}  // namespace gpram::cli
