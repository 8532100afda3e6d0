#include "cli/cli_app.h"

int main(int argc, char** argv) {
  return sesame::cli::cli_main(argc, argv);
}
