#include <CLI/CLI.hpp>

int main(int argc, char** argv) {
  CLI::App app{"gpramd"};
  app.set_version_flag("--version", std::string("gpramd ") + GPRAM_VERSION);
  CLI11_PARSE(app, argc, argv);
  return 0;
}
