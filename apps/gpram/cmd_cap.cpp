// Placeholder: the cap commands are registered here.
#include "cli.hpp"

namespace gpram::cli {
void register_cap(CLI::App& /*app*/) {}
}  // namespace gpram::cli
