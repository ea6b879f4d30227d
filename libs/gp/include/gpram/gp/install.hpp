// Job-level compiler for "install a CAP file": INSTALL [for load], the LOAD sequence, then one
// INSTALL [for install and make selectable] per applet (GP 2.3 §9.3.5 card content loading and
// installation flow). Plain commands (CLA 80); the secure channel wraps them later.
#pragma once

#include <vector>

#include "gpram/apdu/apdu.hpp"
#include "gpram/gp/cap.hpp"
#include "gpram/gp/commands.hpp"

namespace gpram::gp {

struct AppletInstall {
  Bytes class_aid;     // must be one of the CAP's applet AIDs
  Bytes instance_aid;  // empty = class_aid
  Bytes privileges = Bytes{0x00};
  Bytes params = Bytes{0xC9, 0x00};  // install_parameters()
};

struct InstallOptions {
  Bytes sd_aid;            // empty: ISD / card default (sent as an empty LV)
  size_t block_size = 0;   // LOAD data bytes per command; 0 = max_load_block_size(limits)
  BlockLimits limits;      // used when block_size is 0
  bool include_descriptor = false;
  HashAlg hash = HashAlg::none;  // Load File Data Block Hash in INSTALL [for load]
  Bytes load_params;             // e.g. load_parameters(); empty = none
  std::vector<Bytes> dap_blocks; // dap_block() outputs placed before C4
  bool install_applets = true;   // false: load only
  std::vector<AppletInstall> applets;  // empty: every applet of the CAP with defaults
};

/// The whole command sequence. Errors: unknown_applet for a class AID the CAP does not declare;
/// invalid_argument for bad AIDs, block sizes or more than 256 LOAD blocks.
[[nodiscard]] Result<std::vector<apdu::Capdu>> compile_install(const CapFile& cap,
                                                               const InstallOptions& opts);

}  // namespace gpram::gp
