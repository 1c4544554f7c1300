// Reading a /metrics scrape in the service's tests: its samples by name and labels, and what
// Prometheus' own `promtool check metrics` says of it.
#pragma once

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

namespace wf::testing {

// The samples of a scrape: "name{labels}" → value.
inline std::map<std::string, double> scrape_samples(const std::string& text) {
  std::map<std::string, double> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const size_t space = line.rfind(' ');
    if (space == std::string::npos) continue;
    out[line.substr(0, space)] = std::stod(line.substr(space + 1));
  }
  return out;
}

// A sample's value, 0 when the scrape has none (a counter not yet moved is not written).
inline double sample_or_zero(const std::map<std::string, double>& samples, const std::string& key) {
  const auto it = samples.find(key);
  return it == samples.end() ? 0.0 : it->second;
}

// Runs `promtool check metrics` on `text` (written to `file`): its exit status, what it said in
// `said`.
inline int promtool_check(const std::filesystem::path& file, const std::string& text, std::string& said) {
  std::ofstream(file) << text;
  const std::string command = "promtool check metrics < '" + file.string() + "' 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return -1;
  char buffer[512];
  while (fgets(buffer, sizeof buffer, pipe) != nullptr) said += buffer;
  return pclose(pipe);
}

}  // namespace wf::testing
