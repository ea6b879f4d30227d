// compile_install: INSTALL [for load] (GP 2.3 §11.5.2.3.1), LOAD blocks (§11.6) and INSTALL
// [for install and make selectable] (§11.5.2.3.2) for each applet of a CAP file.
#include <fmt/format.h>

#include "gpram/gp/install.hpp"
#include "gpram/tlv/tlv.hpp"

namespace gpram::gp {

Result<std::vector<apdu::Capdu>> compile_install(const CapFile& cap, const InstallOptions& opts) {
  size_t block = opts.block_size;
  if (block == 0) {
    auto b = max_load_block_size(opts.limits);
    if (!b) return fail(b.error());
    block = *b;
  }
  std::vector<AppletInstall> applets = opts.applets;
  if (opts.install_applets && applets.empty())
    for (const auto& a : cap.applets()) applets.push_back({a.aid, {}, Bytes{0x00}, Bytes{0xC9, 0x00}});
  if (!opts.install_applets) applets.clear();
  for (const auto& a : applets) {
    bool found = false;
    for (const auto& c : cap.applets()) found = found || c.aid == a.class_aid;
    if (!found)
      return fail(Errc::unknown_applet,
                  fmt::format("GP: applet class {} is not in the CAP file's Applet component "
                              "(package {})",
                              to_hex(a.class_aid), to_hex(cap.package_aid())));
  }

  std::vector<apdu::Capdu> out;
  InstallForLoad ifl;
  ifl.elf_aid = cap.package_aid();
  ifl.sd_aid = opts.sd_aid;
  ifl.hash = cap.load_file_hash(opts.hash, opts.include_descriptor);
  ifl.load_params = opts.load_params;
  auto first = install_for_load(ifl);
  if (!first) return fail(first.error());
  out.push_back(std::move(*first));

  Bytes lf;
  for (const auto& d : opts.dap_blocks) append(lf, d);
  append(lf, cap.load_file_data_block(opts.include_descriptor));
  auto loads = load_commands(lf, block);
  if (!loads) return fail(loads.error());
  out.reserve(out.size() + loads->size() + applets.size());
  for (auto& l : *loads) out.push_back(std::move(l));

  for (const auto& a : applets) {
    InstallForInstall ifi;
    ifi.elf_aid = cap.package_aid();
    ifi.module_aid = a.class_aid;
    ifi.instance_aid = a.instance_aid;
    ifi.privileges = a.privileges;
    ifi.params = a.params;
    auto cmd = install_for_install(ifi, true);
    if (!cmd) return fail(cmd.error());
    out.push_back(std::move(*cmd));
  }
  return out;
}

}  // namespace gpram::gp
