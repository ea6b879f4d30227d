// Placeholder: the script commands are registered here.
#include "cli.hpp"

namespace gpram::cli {
void register_script(CLI::App& /*app*/) {}
}  // namespace gpram::cli
