// The vtpu build's version, as `git describe --always --dirty --tags` gave it
// when the build ran (models/common/version.cmake): reports, trace headers and
// `vtpu --version` carry it.
#pragma once

namespace vtpu {

const char* version();

}  // namespace vtpu
