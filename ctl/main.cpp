#include <iostream>

#include "ctl/cli/cli.h"

int main(int argc, char** argv) {
  return xc::run_xcloudctl(argc, argv, std::cout, std::cerr);
}
