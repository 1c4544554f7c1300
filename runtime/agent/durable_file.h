// Files that must survive a crash of the agent or of its host: whole files replaced atomically
// and lines appended, both flushed to the disk before the call returns.
#pragma once

#include <string>
#include <string_view>

namespace wf::agent {

// Creates `dir` (and its parents) with mode 0700 when missing. Returns an empty string on
// success, else why not.
std::string make_private_directory(const std::string& dir);

// Replaces `path` with `content`: written to a temporary file beside it with `mode`, fsync'd,
// renamed over `path`, and the directory fsync'd, so a reader sees the old file or the new one,
// never a part. Returns an empty string on success, else why not.
std::string write_file_durably(const std::string& path, std::string_view content, unsigned mode = 0600);

// Appends `line` and a newline to `path` (created with mode 0600) and fsyncs it. Returns an empty
// string on success, else why not.
std::string append_line_durably(const std::string& path, std::string_view line);

// The whole content of `path`; false when it cannot be read (`error` says why; a missing file
// sets `missing`).
bool read_whole_file(const std::string& path, std::string& content, std::string& error, bool* missing = nullptr);

// Removes `path` and fsyncs its directory; a file already gone is not an error.
std::string remove_file_durably(const std::string& path);

}  // namespace wf::agent
