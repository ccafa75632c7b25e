// Files of length-delimited protobuf messages (protobuf's
// delimited_message_util framing): a header message, then records. The one
// reader and writer behind the transaction trace and the MXU stimulus.
#pragma once

#include <google/protobuf/io/zero_copy_stream_impl.h>
#include <google/protobuf/message_lite.h>

#include <cstdint>
#include <fstream>
#include <memory>
#include <string>

namespace vtpu::trace {

class DelimitedWriter {
 public:
  // Creates `path`; throws vtpu::Error(`error`) if it cannot.
  DelimitedWriter(const std::string& path, const std::string& error);
  ~DelimitedWriter();  // flushes and closes
  void write(const google::protobuf::MessageLite& message);

 private:
  std::ofstream file_;
  std::unique_ptr<google::protobuf::io::OstreamOutputStream> stream_;
};

class DelimitedReader {
 public:
  // Opens `path`; throws vtpu::Error("PATH: cannot open").
  explicit DelimitedReader(const std::string& path);
  ~DelimitedReader();
  // The first message: false if the file does not start with one.
  bool read_header(google::protobuf::MessageLite& header);
  // The next record into `record` (cleared first); false at the end of the
  // file. Throws vtpu::Error("PATH: record N is cut short or corrupt").
  bool next(google::protobuf::MessageLite& record);
  // Records read so far.
  uint64_t count() const { return count_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::ifstream file_;
  std::unique_ptr<google::protobuf::io::IstreamInputStream> stream_;
  uint64_t count_ = 0;
};

}  // namespace vtpu::trace
