// Loading, overriding and validating the SoC configuration (platform/config.proto).
#pragma once

#include <string>
#include <vector>

#include "platform/config.pb.h"

namespace vtpu::config {

// Names of the presets built into the binary (platform/configs/*.textproto).
std::vector<std::string> preset_names();

// The configuration a run uses: built-in defaults, merged with `config` (a file
// path or a preset name; empty for the default preset), then each `path=value`
// of `overrides` (recorded in Soc.overrides), then validated. Throws
// vtpu::Error naming the file/field.
Soc load(const std::string& config, const std::vector<std::string>& overrides);

// The config as reports name it: its name, then each override of the run
// ("edge --set mxu.rows=64 --set hbm.preset=hbm3").
std::string describe(const Soc& soc);

// The whole merged config as protobuf text (every field the run used).
std::string text(const Soc& soc);

// Sets one field by dotted path, e.g. ("mxu.rows", "64"). Throws vtpu::Error.
void set_field(Soc& soc, const std::string& path, const std::string& value);

// Checks every set field against the ranges declared in config.proto. Throws.
void validate(const Soc& soc);

// For the other text schemas of this folder (memspec.proto):
// Parses protobuf text `text` (named `source` in errors: "SOURCE:LINE:COL:
// field 'a.b': ...") and merges it into `into`. Throws vtpu::Error.
void merge_text(google::protobuf::Message& into, const std::string& text,
                const std::string& source);
// Checks every set field of `msg` against its declared (min), (max),
// (power_of_two) and (choices), and each message of a list; errors name
// "PREFIX.field" ("axes[2].path"). Throws vtpu::Error.
void validate_message(const google::protobuf::Message& msg, const std::string& prefix);

// The default preset's name (used when no --config is given).
inline constexpr const char* kDefaultPreset = "edge";

}  // namespace vtpu::config
