// Runs a TS 102 226 expanded command script against a virtual card and builds the response
// script, as a card's Security Domain does for a script received over SCP81.
#pragma once

#include "gpram/card/card.hpp"
#include "gpram/sim/agent_client.hpp"

namespace gpram::sim {

struct RunnerOptions {
  /// Stop at the first command whose status word is an error (TS 102 226 §5.2.1: the
  /// remaining commands are not executed); the response counts the executed ones.
  bool stop_on_error = true;
};

/// Executes `script` on `card`. A malformed script gets a response with the bad-format TLV
/// (90 01 xx) and no command is executed.
[[nodiscard]] ScriptOutcome run_script(card::VirtualCard& card, ByteView script,
                                       const std::optional<Bytes>& target_aid,
                                       const RunnerOptions& opts = {});

}  // namespace gpram::sim
