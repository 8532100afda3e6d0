#include "server/sesamed_app.h"

int main(int argc, char** argv) {
  return sesame::server::sesamed_main(argc, argv);
}
