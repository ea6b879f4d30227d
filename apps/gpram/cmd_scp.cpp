// Placeholder: the scp commands are registered here.
#include "cli.hpp"

namespace gpram::cli {
void register_scp(CLI::App& /*app*/) {}
}  // namespace gpram::cli
