// gpram cap info | load-file (docs/interfaces.md, offline tools): CAP file inspection and the
// GlobalPlatform Load File built from it (libs/gp CapFile).
#include <memory>
#include <string>

#include "cli.hpp"
#include "gpram/gp/cap.hpp"

namespace gpram::cli {
namespace {

gp::CapFile open_cap(const std::string& path) {
  const Bytes bytes = read_file(path);
  auto cap = gp::CapFile::parse(bytes);
  if (!cap) throw UsageError(path + ": " + cap.error().message);
  return std::move(*cap);
}

nlohmann::json info_json(const gp::CapFile& cap) {
  nlohmann::json applets = nlohmann::json::array();
  for (const auto& a : cap.applets()) applets.push_back({{"aid", to_hex(a.aid)}});
  nlohmann::json imports = nlohmann::json::array();
  for (const auto& i : cap.imports())
    imports.push_back({{"aid", to_hex(i.aid)}, {"version", i.version.str()}});
  nlohmann::json components = nlohmann::json::array();
  for (const auto& c : cap.components())
    components.push_back({{"name", c.name}, {"size", c.data.size()}});
  const auto& h = cap.header();
  nlohmann::json j = {
      {"package_aid", to_hex(cap.package_aid())},
      {"package_version", cap.package_version().str()},
      {"applets", applets},
      {"components", components},
      {"load_file_size", cap.load_file(false).size()},
      {"load_file_size_with_descriptor", cap.load_file(true).size()},
      {"imports", imports},
      {"cap_version", h.cap_version.str()},
      {"flags", h.flags},
      {"has_export", cap.has_export()},
      {"component_dir", cap.component_dir()},
  };
  if (!h.package_name.empty()) j["package_name"] = h.package_name;
  return j;
}

}  // namespace

void register_cap(CLI::App& app) {
  auto* cap = app.add_subcommand("cap", "CAP file tools (offline)");
  cap->require_subcommand(1);

  auto path_info = std::make_shared<std::string>();
  auto* info = cap->add_subcommand("info", "package and applet AIDs, components, load file size");
  info->add_option("file", *path_info, "CAP file")->required();
  info->callback([path_info] { print_json(info_json(open_cap(*path_info))); });

  auto path_lf = std::make_shared<std::string>();
  auto with_descriptor = std::make_shared<bool>(false);
  auto* lf = cap->add_subcommand("load-file", "the Load File (components concatenated) and its "
                                              "SHA-1 / SHA-256 hashes");
  lf->add_option("file", *path_lf, "CAP file")->required();
  lf->add_flag("--include-descriptor", *with_descriptor,
               "append the Descriptor component (pySim does; GlobalPlatformPro does not)");
  lf->callback([path_lf, with_descriptor] {
    const gp::CapFile c = open_cap(*path_lf);
    print_json({{"load_file", to_hex(c.load_file(*with_descriptor))},
                {"sha1", to_hex(c.load_file_hash(gp::HashAlg::sha1, *with_descriptor))},
                {"sha256", to_hex(c.load_file_hash(gp::HashAlg::sha256, *with_descriptor))}});
  });
}

}  // namespace gpram::cli
