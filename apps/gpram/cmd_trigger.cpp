// Placeholder: the trigger commands are registered here.
#include "cli.hpp"

namespace gpram::cli {
void register_trigger(CLI::App& /*app*/) {}
}  // namespace gpram::cli
