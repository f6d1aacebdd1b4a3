#include <string>
#include <vector>

#include "scenarios/cli.hpp"

int main(int argc, char** argv) {
  return genops::scenarios::run_cli(std::vector<std::string>(argv + 1, argv + argc));
}
