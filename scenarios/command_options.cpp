#include "scenarios/command_options.hpp"

#include <iostream>

#include <boost/program_options.hpp>

namespace genops::scenarios {

namespace po = boost::program_options;

bool parse_command_options(const std::string& usage, const po::options_description& options,
                           const po::positional_options_description& positional,
                           const std::vector<std::string>& arguments, po::variables_map& values) {
  po::store(po::command_line_parser(arguments).options(options).positional(positional).run(),
            values);
  if (values.count("help") != 0) {
    std::cout << usage << "\n\n" << options << '\n';
    return false;
  }
  po::notify(values);
  return true;
}

}  // namespace genops::scenarios
