// MultipartForm: plain fields collected into FormValues while file parts stream past, at
// every split of the input; the field-count and value-size limits; bad framing.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "nethttp/multipart.hpp"

namespace nethttp {
namespace {

const std::string kForm =
    "--B\r\n"
    "Content-Disposition: form-data; name=\"title\"\r\n"
    "\r\n"
    "Hello, world\r\n"
    "--B\r\n"
    "Content-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n"
    "Content-Type: text/plain\r\n"
    "\r\n"
    "file bytes\r\n--Bnot a boundary\r\n"
    "--B\r\n"
    "Content-Disposition: form-data; name=\"tag\"\r\n"
    "\r\n"
    "x\r\n"
    "--B\r\n"
    "Content-Disposition: form-data; filename=\"nameless.bin\"\r\n"
    "\r\n"
    "skipped\r\n"
    "--B\r\n"
    "Content-Disposition: form-data; name=\"tag\"\r\n"
    "\r\n"
    "\r\n"
    "--B--\r\n";

// FormRun feeds input to a MultipartForm split at splits and records what it saw.
struct FormRun {
  std::vector<std::string> files;  // "name|filename|bytes" per file part, once ended
  std::string file_data;
  bool in_file = false;
  MultipartFormError error;
  std::vector<FormValues::Pair> values;

  FormRun(std::string_view input, const std::vector<std::size_t>& splits, MultipartFormLimits limits = {}) {
    MultipartForm form("B", limits);
    std::string name;
    form.on_file_begin = [&](const MultipartPart& p) {
      EXPECT_FALSE(in_file);
      in_file = true;
      name = p.name + "|" + p.filename;
      file_data.clear();
    };
    form.on_file_data = [&](std::string_view d) {
      EXPECT_TRUE(in_file);
      EXPECT_FALSE(d.empty());
      file_data.append(d);
    };
    form.on_file_end = [&] {
      EXPECT_TRUE(in_file);
      in_file = false;
      files.push_back(name + "|" + file_data);
    };
    std::size_t at = 0;
    for (std::size_t s : splits) {
      error = form.feed(input.substr(at, s - at));
      at = s;
      if (!error.ok()) break;
    }
    if (error.ok()) error = form.feed(input.substr(at));
    if (error.ok()) error = form.finish();
    for (const auto& pair : form.values()) values.push_back(pair);
  }
};

TEST(MultipartForm, FieldsCollectedFilesStreamed) {
  FormRun r(kForm, {});
  ASSERT_TRUE(r.error.ok()) << r.error.message();
  const std::vector<FormValues::Pair> want = {{"title", "Hello, world"}, {"tag", "x"}, {"tag", ""}};
  EXPECT_EQ(r.values, want);
  ASSERT_EQ(r.files.size(), 1u) << "a part without a name is skipped, as Go does";
  EXPECT_EQ(r.files[0], "file|a.txt|file bytes\r\n--Bnot a boundary");
}

TEST(MultipartForm, SameAtEverySplitPoint) {
  const FormRun whole(kForm, {});
  for (std::size_t i = 0; i <= kForm.size(); ++i) {
    FormRun r(kForm, {i});
    EXPECT_TRUE(r.error.ok()) << "split at " << i;
    EXPECT_EQ(r.values, whole.values) << "split at " << i;
    EXPECT_EQ(r.files, whole.files) << "split at " << i;
  }
}

TEST(MultipartForm, FieldCountLimit) {
  MultipartFormLimits limits;
  limits.max_fields = 3;
  EXPECT_TRUE(FormRun(kForm, {}, limits).error.ok()) << "three plain fields are within a limit of 3";
  limits.max_fields = 2;
  FormRun r(kForm, {}, limits);
  EXPECT_EQ(r.error.form, FormError::TooManyFields);
  EXPECT_EQ(r.error.status(), 413);
  EXPECT_TRUE(r.values.empty()) << "no partial form after an error";
}

TEST(MultipartForm, ValueBytesLimitCountsNamesAndValues) {
  // title(5) + "Hello, world"(12) + tag(3) + x(1) + tag(3) = 24 bytes of plain fields; the
  // file's bytes do not count.
  MultipartFormLimits limits;
  limits.max_value_bytes = 24;
  EXPECT_TRUE(FormRun(kForm, {}, limits).error.ok());
  limits.max_value_bytes = 23;
  for (std::size_t i = 0; i <= kForm.size(); i += 7) {
    FormRun r(kForm, {i}, limits);
    EXPECT_EQ(r.error.form, FormError::TooLarge) << "split at " << i;
    EXPECT_EQ(r.error.status(), 413);
    EXPECT_TRUE(r.values.empty());
  }
  limits.max_value_bytes = 10;  // within the first value
  FormRun r(kForm, {}, limits);
  EXPECT_EQ(r.error.form, FormError::TooLarge);
  EXPECT_TRUE(r.files.empty()) << "parsing stops at the error";
}

TEST(MultipartForm, LargeFilePartDoesNotCountAgainstValueBytes) {
  const std::string big(1 << 20, 'z');
  const std::string body = "--B\r\nContent-Disposition: form-data; name=f; filename=big\r\n\r\n" + big +
                           "\r\n--B\r\nContent-Disposition: form-data; name=n\r\n\r\nv\r\n--B--\r\n";
  MultipartFormLimits limits;
  limits.max_value_bytes = 16;
  FormRun r(body, {1000, 70000, 500000}, limits);
  ASSERT_TRUE(r.error.ok()) << r.error.message();
  ASSERT_EQ(r.files.size(), 1u);
  EXPECT_EQ(r.files[0].size(), std::string("f|big|").size() + big.size());
  EXPECT_EQ(r.values, (std::vector<FormValues::Pair>{{"n", "v"}}));
}

TEST(MultipartForm, PartLimitsAndFramingErrors) {
  MultipartFormLimits limits;
  limits.parts.max_parts = 2;
  FormRun many(kForm, {}, limits);
  EXPECT_EQ(many.error.multipart, MultipartError::TooManyParts);
  EXPECT_EQ(many.error.status(), 413);

  limits = {};
  limits.parts.max_header_bytes = 20;
  FormRun header(kForm, {}, limits);
  EXPECT_EQ(header.error.multipart, MultipartError::HeaderTooLarge);
  EXPECT_EQ(header.error.status(), 431);

  FormRun truncated(kForm.substr(0, kForm.size() - 8), {});
  EXPECT_EQ(truncated.error.multipart, MultipartError::Malformed);
  EXPECT_EQ(truncated.error.status(), 400);
  EXPECT_EQ(truncated.error.message(), "malformed multipart body");
  EXPECT_TRUE(truncated.values.empty());

  FormRun bad("--B\r\nno colon here\r\n\r\nx\r\n--B--\r\n", {});
  EXPECT_EQ(bad.error.multipart, MultipartError::Malformed);
}

TEST(MultipartForm, ErrorIsSticky) {
  MultipartForm form("B", {});
  EXPECT_EQ(form.feed("--B\r\nbroken header\r\n\r\n").multipart, MultipartError::Malformed);
  EXPECT_EQ(form.feed("--B--\r\n").multipart, MultipartError::Malformed);
  EXPECT_EQ(form.finish().multipart, MultipartError::Malformed);
}

TEST(MultipartForm, ErrorStatusesAndMessages) {
  EXPECT_EQ(MultipartFormError{}.status(), 200);
  EXPECT_TRUE(MultipartFormError{}.ok());
  EXPECT_EQ(MultipartFormError{.form = FormError::TooManyFields}.message(), "form has too many fields");
  EXPECT_EQ(MultipartFormError{.form = FormError::TooLarge}.status(), 413);
  EXPECT_EQ(MultipartFormError{.multipart = MultipartError::HeaderTooLarge}.status(), 431);
}

}  // namespace
}  // namespace nethttp
