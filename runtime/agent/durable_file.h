// Files that must survive a crash of the agent or of its host: whole files replaced atomically
// and flushed to the disk before the call returns, and lines appended, then flushed.
#pragma once

#include <string>
#include <string_view>

namespace wf::agent {

// Creates `dir` (and its parents) with mode 0700 when missing. Returns an empty string on
// success, else why not.
std::string make_private_directory(const std::string& dir);

// Replaces `path` with `content`: written to a temporary file beside it with `mode`, flushed,
// renamed over `path`, and the directory fsync'd, so a reader sees the old file or the new one,
// never a part. Returns an empty string on success, else why not.
std::string write_file_durably(const std::string& path, std::string_view content, unsigned mode = 0600);

// Writes `content` to `path` (created with `mode`, or truncated) and fdatasyncs it: one flush,
// for a file read only by a reader that can tell a whole content from a part (a crash during the
// write leaves a part). On ext4 the flush carries the new name with it; elsewhere a crash of the
// host just after may lose the file. Returns an empty string on success, else why not.
std::string write_file_flushed(const std::string& path, std::string_view content, unsigned mode = 0600);

// Appending a line durably, in two halves for a caller with something to do between them (both
// return an empty string on success, else why not). append_line appends `line` and a newline to
// `path` (created with mode 0600); the line survives a crash of this process at once, and a line
// that creates the file is flushed with the file's name in its directory. flush_file fsyncs
// `path`, after which every line written so far survives a crash of the host.
std::string append_line(const std::string& path, std::string_view line);
std::string flush_file(const std::string& path);

// The whole content of `path`; false when it cannot be read (`error` says why; a missing file
// sets `missing`).
bool read_whole_file(const std::string& path, std::string& content, std::string& error, bool* missing = nullptr);

// Removes `path` and fsyncs its directory; a file already gone is not an error.
std::string remove_file_durably(const std::string& path);
// Removes `path`, without waiting for the disk; a file already gone is not an error.
std::string remove_file(const std::string& path);

}  // namespace wf::agent
