// Compiles a job's high-level operations (docs/api.md, ../shared/docs/interfaces.md
// "Operations") into Amendment B steps: each step is one TS 102 226 command script sent in one
// HTTP response. Scripts are cut so each fits the card profile's limits.
#pragma once

#include <nlohmann/json.hpp>

#include "gpram/store/model.hpp"

namespace gpram::jobs {

enum class Errc {
  invalid_operation = 1,  // the JSON does not describe a valid operation (422)
  unsupported,            // a valid operation this server cannot run yet (422)
};

}  // namespace gpram::jobs

GPRAM_DECLARE_ERRC(gpram::jobs);

namespace gpram::jobs {

struct CompileOptions {
  size_t max_script_bytes = 2048;    // body of one command script (card buffer)
  size_t max_commands_per_script = 32;
  size_t max_capdu_size = 255 + 5;   // short APDUs
  Bytes sd_aid;                      // SD the job addresses (empty: the ISD)
  bool operator_only_ops = true;     // admin may use create_sd
};

/// Validates and compiles `operations` (a JSON array of one-key objects). Errors name the
/// operation index and field: "operations[1].install.cap: not a CAP file (no Header component)".
[[nodiscard]] Result<std::vector<store::Step>> compile_operations(const nlohmann::json& operations,
                                                                  const CompileOptions& opts);

/// Cuts a flat list of C-APDUs into steps within the limits.
[[nodiscard]] std::vector<store::Step> split_into_steps(std::vector<Bytes> capdus,
                                                        const CompileOptions& opts);

}  // namespace gpram::jobs
