#include <CLI/CLI.hpp>

int main(int argc, char** argv) {
  CLI::App app{"gpram-sim"};
  app.set_version_flag("--version", std::string("gpram-sim ") + GPRAM_VERSION);
  CLI11_PARSE(app, argc, argv);
  return 0;
}
