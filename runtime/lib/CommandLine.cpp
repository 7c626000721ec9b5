//===- CommandLine.cpp - Options of the train and infer mains -------------===//

#include "kiln/runtime/CommandLine.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>

namespace kiln {
namespace rt {

OptionParser::OptionParser(std::string program, std::string usage)
    : program(std::move(program)), usage(std::move(usage)) {}

void OptionParser::flag(const char *name, bool *out, const char *help) {
  options.push_back({name, Kind::Flag, out, nullptr, "", help, 0, 0});
}

void OptionParser::text(const char *name, std::string *out, const char *meta,
                        const char *help) {
  options.push_back({name, Kind::Text, out, nullptr, meta, help, 0, 0});
}

void OptionParser::integer(const char *name, int64_t *out, int64_t min,
                           int64_t max, const char *help, bool *given) {
  options.push_back(
      {name, Kind::Integer, out, given, "N", help, double(min), double(max)});
}

void OptionParser::real(const char *name, double *out, double min, double max,
                        const char *help, bool *given) {
  options.push_back({name, Kind::Real, out, given, "X", help, min, max});
}

Status OptionParser::assign(const Option &option, const std::string &value) {
  std::string where = program + ": --" + option.name;
  switch (option.kind) {
  case Kind::Flag:
    *static_cast<bool *>(option.out) = true;
    break;
  case Kind::Text:
    *static_cast<std::string *>(option.out) = value;
    break;
  case Kind::Integer: {
    errno = 0;
    char *end = nullptr;
    long long v = std::strtoll(value.c_str(), &end, 10);
    if (value.empty() || *end || errno == ERANGE)
      return Status::error(where + ": '" + value + "' is not an integer");
    if (double(v) < option.min || double(v) > option.max)
      return Status::error(where + ": " + value + " is outside " +
                           std::to_string(int64_t(option.min)) + ".." +
                           std::to_string(int64_t(option.max)));
    *static_cast<int64_t *>(option.out) = v;
    break;
  }
  case Kind::Real: {
    errno = 0;
    char *end = nullptr;
    double v = std::strtod(value.c_str(), &end);
    if (value.empty() || *end || errno == ERANGE || !std::isfinite(v))
      return Status::error(where + ": '" + value + "' is not a number");
    if (v < option.min || v > option.max)
      return Status::error(where + ": " + value + " is outside [" +
                           std::to_string(option.min) + ", " +
                           std::to_string(option.max) + "]");
    *static_cast<double *>(option.out) = v;
    break;
  }
  }
  if (option.given)
    *option.given = true;
  return Status::ok();
}

Status OptionParser::parse(int argc, char **argv,
                           std::vector<std::string> &positional,
                           bool &helpRequested) {
  helpRequested = false;
  bool onlyPositional = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (onlyPositional || arg.size() < 2 || arg[0] != '-' ||
        (arg[1] != '-' && arg != "-h")) {
      positional.push_back(arg);
      continue;
    }
    if (arg == "--") {
      onlyPositional = true;
      continue;
    }
    if (arg == "-h" || arg == "--help") {
      helpRequested = true;
      return Status::ok();
    }
    std::string name = arg.substr(2), value;
    bool hasValue = false;
    if (size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      hasValue = true;
    }
    const Option *option = nullptr;
    for (const Option &o : options)
      if (o.name == name)
        option = &o;
    if (!option)
      return Status::error(program + ": unknown option --" + name +
                           " (see --help)");
    if (option->kind == Kind::Flag) {
      if (hasValue)
        return Status::error(program + ": --" + name + " takes no value");
    } else if (!hasValue) {
      if (i + 1 >= argc)
        return Status::error(program + ": --" + name + " needs a value");
      value = argv[++i];
    }
    if (Status s = assign(*option, value); !s)
      return s;
  }
  return Status::ok();
}

std::string OptionParser::help() const {
  std::string out = "usage: " + program + " " + usage + "\n\noptions:\n";
  for (const Option &o : options) {
    std::string left = "  --" + o.name;
    if (o.kind != Kind::Flag)
      left += " " + o.meta;
    if (left.size() < 28)
      left.resize(28, ' ');
    else
      left += "\n" + std::string(28, ' ');
    out += left + o.help + "\n";
  }
  out += "  -h, --help                show this text\n";
  return out;
}

} // namespace rt
} // namespace kiln
