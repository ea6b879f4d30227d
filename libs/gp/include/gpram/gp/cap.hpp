// Java Card CAP files (JCVM spec 2.2.2 §6 / 3.0.5 §6, compact format): a ZIP archive whose
// components live under `<package path>/javacard/<Name>.cap`. CapFile reads the archive from
// memory (libzip), checks the required components, parses Header, Applet and Import, and builds
// the GlobalPlatform Load File (GP 2.3 §C.1, §11.6.2.1).
//
// Load file: components concatenated in the order Header, Directory, Import, Applet, Class,
// Method, StaticField, Export, ConstantPool, RefLocation, [Descriptor]; Debug never. GPP leaves
// Descriptor out by default, pySim includes it (docs/protocols/gp-commands.md).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gpram/base/bytes.hpp"
#include "gpram/gp/errors.hpp"

namespace gpram::gp {

/// Component tags (JCVM 2.2.2 Table 6-1).
enum class ComponentTag : uint8_t {
  header = 1,
  directory = 2,
  applet = 3,
  import = 4,
  constant_pool = 5,
  class_ = 6,
  method = 7,
  static_field = 8,
  ref_location = 9,
  export_ = 10,
  descriptor = 11,
  debug = 12,
};

struct Version {
  uint8_t major = 0;
  uint8_t minor = 0;
  [[nodiscard]] std::string str() const;  // "1.0"
};

/// Header component (JCVM §6.3).
struct HeaderComponent {
  Version cap_version;  // CAP format (2.1 / 2.2 / 2.3)
  uint8_t flags = 0;    // 01 int, 02 export, 04 applet
  Version package_version;
  Bytes package_aid;
  std::string package_name;  // CAP 2.2+ package_name_info, may be empty
};
struct AppletEntry {
  Bytes aid;
  uint16_t install_method_offset = 0;
};
struct ImportEntry {
  Bytes aid;
  Version version;
};

/// Component parsers over the raw component bytes (tag u1, size u2, info). Bounds-checked; errors
/// name the component and offset. Exposed for fuzzing and tests.
[[nodiscard]] Result<HeaderComponent> parse_header_component(ByteView raw);
[[nodiscard]] Result<std::vector<AppletEntry>> parse_applet_component(ByteView raw);
[[nodiscard]] Result<std::vector<ImportEntry>> parse_import_component(ByteView raw);

/// Limits applied while reading an archive (peer input: a job's CAP file).
struct CapLimits {
  size_t max_archive = 16u << 20;  // bytes of the .cap (ZIP) file
  size_t max_entries = 4096;
};

enum class HashAlg { none, sha1, sha256 };

class CapFile {
 public:
  struct Component {
    std::string name;  // "Header", "Directory", ...
    Bytes data;        // raw component bytes, tag and size included
  };

  [[nodiscard]] static Result<CapFile> parse(ByteView zip_bytes, const CapLimits& limits = {});
  [[nodiscard]] static Result<CapFile> load(const std::string& path, const CapLimits& limits = {});

  [[nodiscard]] const HeaderComponent& header() const noexcept { return header_; }
  [[nodiscard]] const Bytes& package_aid() const noexcept { return header_.package_aid; }
  [[nodiscard]] Version package_version() const noexcept { return header_.package_version; }
  [[nodiscard]] const std::vector<AppletEntry>& applets() const noexcept { return applets_; }
  [[nodiscard]] const std::vector<ImportEntry>& imports() const noexcept { return imports_; }
  [[nodiscard]] bool has_export() const noexcept { return component("Export") != nullptr; }
  /// Components present, in load-file order (Descriptor last; Debug is never kept).
  [[nodiscard]] const std::vector<Component>& components() const noexcept { return components_; }
  [[nodiscard]] const Component* component(std::string_view name) const noexcept;
  /// Directory inside the archive that holds the components ("algtest/javacard/").
  [[nodiscard]] const std::string& component_dir() const noexcept { return dir_; }

  /// The Load File Data Block content: concatenated components.
  [[nodiscard]] Bytes load_file(bool include_descriptor = false) const;
  /// `C4 <BER length> load_file` (the LOAD data when there is no DAP block).
  [[nodiscard]] Bytes load_file_data_block(bool include_descriptor = false) const;
  /// Load File Data Block Hash for INSTALL [for load]: over load_file() — the C4 value, without
  /// the C4 tag and length, as GlobalPlatformPro's CAPFile.getLoadFileDataHash does.
  [[nodiscard]] Bytes load_file_hash(HashAlg alg, bool include_descriptor = false) const;

 private:
  HeaderComponent header_;
  std::vector<AppletEntry> applets_;
  std::vector<ImportEntry> imports_;
  std::vector<Component> components_;
  std::string dir_;
};

/// Component names in load-file order (Descriptor last).
[[nodiscard]] const std::array<const char*, 11>& load_order();

}  // namespace gpram::gp
