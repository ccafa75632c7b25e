#include "traces/delimited.h"

#include <google/protobuf/util/delimited_message_util.h>

#include "models/common/error.h"
#include "models/common/read_file.h"

namespace vtpu::trace {

using google::protobuf::util::ParseDelimitedFromZeroCopyStream;
using google::protobuf::util::SerializeDelimitedToZeroCopyStream;

DelimitedWriter::DelimitedWriter(const std::string& path, const std::string& error)
    : file_(path, std::ios::binary | std::ios::trunc) {
  if (!file_) throw Error(error);
  stream_ = std::make_unique<google::protobuf::io::OstreamOutputStream>(&file_);
}

DelimitedWriter::~DelimitedWriter() {
  stream_.reset();  // flushes into the file
  file_.close();
}

void DelimitedWriter::write(const google::protobuf::MessageLite& message) {
  SerializeDelimitedToZeroCopyStream(message, stream_.get());
}

DelimitedReader::DelimitedReader(const std::string& path) : path_(path) {
  require_regular_file(path);
  file_.open(path, std::ios::binary);
  if (!file_) throw Error(path + ": cannot open");
  stream_ = std::make_unique<google::protobuf::io::IstreamInputStream>(&file_);
}

DelimitedReader::~DelimitedReader() = default;

bool DelimitedReader::read_header(google::protobuf::MessageLite& header) {
  bool eof = false;
  return ParseDelimitedFromZeroCopyStream(&header, stream_.get(), &eof);
}

bool DelimitedReader::next(google::protobuf::MessageLite& record) {
  record.Clear();  // parsing merges, and proto3 leaves zero fields out of the bytes
  bool eof = false;
  if (!ParseDelimitedFromZeroCopyStream(&record, stream_.get(), &eof)) {
    if (eof) return false;
    throw Error(path_ + ": record " + std::to_string(count_) + " is cut short or corrupt");
  }
  ++count_;
  return true;
}

}  // namespace vtpu::trace
